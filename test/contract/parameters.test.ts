import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApi } from '../support/api.js';
import { createPgDatabase, pgQuery } from '../support/stores.js';
import { contractApi } from './harness.js';
import { REFERENCE_OPERATIONS } from './reference-params.js';
import type { Scheme } from './sdk-client.js';
import { catalogProbes } from './walk/catalog.js';
import { datasourcesProbes } from './walk/datasources.js';
import { jobsProbes } from './walk/jobs.js';
import { timersProbes } from './walk/timers.js';
import { Walk, type Probes } from './walk/walk.js';

/**
 * The parameter walk: every request parameter of the reference's 36 operations (vendored in
 * reference-params.ts) is either honoured, with an effect its probe (walk/) observes, or refused
 * with a 400 that says why; there is no third outcome (stored and ignored). The first test fails
 * when a parameter has no probe. Signed as the SDK signs, in both schemes.
 *
 * Path ids: each operation's probes reach what they name; an id that names nothing is a 404 (the
 * last test). A timer's schedule firing at its time is proven in test/engine/timers.test.ts.
 */

/** The operations in the order their probes run: later ones use what earlier ones made. */
const ORDER = [
  'ListMmsDataSourceConfigItems',
  'CreateMmsDataSource',
  'ListMmsDataSources',
  'GetMmsDataSource',
  'UpdateMmsDataSource',
  'CreateMmsFetchMetadataJob',
  'GetMmsFetchMetadataJob',
  'GetMmsDb',
  'GetMmsTable',
  'GetMmsPartition',
  'UpdateMmsDb',
  'ListMmsDbs',
  'UpdateMmsTable',
  'UpdateMmsTables',
  'ListMmsTables',
  'CreateMmsJob',
  'ListMmsPartitions',
  'ListMmsTasks',
  'GetMmsTask',
  'ListMmsTaskLogs',
  'RetryMmsTask',
  'GetMmsJob',
  'RetryMmsJob',
  'CreateMmsTimer',
  'StopMmsJob',
  'ListMmsJobs',
  'StartMmsJob',
  'DeleteMmsJob',
  'GetMmsAsyncTask',
  'UpdateMmsTimer',
  'ListMmsTimers',
  'GetMmsTimer',
  'TriggerMmsTimer',
  'ListMmsTimerLogs',
  'DeleteMmsTimer',
  'DeleteMmsDataSource',
];

describe.each<Scheme>(['v3', 'roa'])('every request parameter of the reference, signed %s', (scheme) => {
  let api: TestApi;
  const w = new Walk();
  const all: Probes = { ...datasourcesProbes(w), ...catalogProbes(w), ...jobsProbes(w), ...timersProbes(w) };
  const probes: Probes = Object.fromEntries(ORDER.map((operation) => [operation, all[operation]!]));

  beforeAll(async () => {
    [w.src, w.dst] = await Promise.all([createPgDatabase('openmms_walk_src'), createPgDatabase('openmms_walk_dst')]);
    await pgQuery(w.src.url, `CREATE TABLE users (id bigint PRIMARY KEY, name text); INSERT INTO users VALUES (1, 'ann'), (2, 'bo'), (3, 'cy');
      CREATE TABLE orders (id bigint PRIMARY KEY, note text); INSERT INTO orders SELECT g, repeat('x', 200) FROM generate_series(1, 2000) g;
      CREATE TABLE events (id bigint, p text) PARTITION BY LIST (p);
      CREATE TABLE events_a PARTITION OF events FOR VALUES IN ('a'); CREATE TABLE events_b PARTITION OF events FOR VALUES IN ('b');
      INSERT INTO events VALUES (1, 'a'), (2, 'b'), (3, 'b');
      CREATE SCHEMA other; CREATE TABLE other.x (id int); INSERT INTO other.x VALUES (1);`);
    for (const file of ['second.sqlite', 'third.sqlite']) execFileSync('sqlite3', [join(w.dataDir, file), 'CREATE TABLE s (id INTEGER); INSERT INTO s VALUES (1);']);
    const started = await contractApi(w.dataDir, scheme, {
      concurrency: 1,
      faults: {
        beforeCheck: async (_written, task) => {
          w.verified.push(task.job_id);
          await w.hold;
        },
      },
    });
    api = started.api;
    w.sdk = started.call;
  });
  afterAll(async () => {
    await api?.close();
    await w.src?.drop();
    await w.dst?.drop();
  });

  it('has a probe for each request parameter of the 36 operations, and none for a parameter the reference does not have', () => {
    const reference = REFERENCE_OPERATIONS.flatMap((o) => o.params.map((p) => `${o.operation} ${p}`));
    // Ids in the path: every operation's probes reach what they name, and the last test shows an id that names nothing is a 404.
    const probed = Object.entries(probes).flatMap(([operation, ps]) => Object.keys(ps).map((p) => `${operation} ${p}`));
    const pathIds = REFERENCE_OPERATIONS.flatMap((o) => o.params.filter((p) => p.startsWith('path:')).map((p) => `${o.operation} ${p}`));
    expect(REFERENCE_OPERATIONS).toHaveLength(36);
    expect(reference.filter((p) => !probed.includes(p) && !pathIds.includes(p))).toEqual([]);
    expect(probed.filter((p) => !reference.includes(p))).toEqual([]);
  });

  for (const [operation, ps] of Object.entries(probes)) {
    it(`${operation}: ${Object.keys(ps).join(', ')}`, async () => {
      for (const [param, probe] of Object.entries(ps)) {
        try {
          await probe();
        } catch (err) {
          (err as Error).message = `${operation} ${param}: ${(err as Error).message}`;
          throw err;
        }
      }
    });
  }

  it('answers 404 for an id in the path that names nothing, in every operation that takes one', async () => {
    const timerId = (await w.get('ListMmsTimers', '/datasources/{sourceId}/timers')).objectList[0].id;
    const real: Record<string, number> = { sourceId: w.sourceId, scanId: w.scanId, asyncTaskId: 1, dbId: w.db.public!, tableId: w.table.users!, partitionId: w.partition['p=a']!, jobId: w.jobs.columns!, taskId: w.failedTask, timerId };
    const bodies: Record<string, object> = { UpdateMmsTimer: {}, UpdateMmsDb: {}, UpdateMmsTable: {}, UpdateMmsTables: {}, UpdateMmsDataSource: {}, CreateMmsFetchMetadataJob: {}, CreateMmsJob: { srcDbName: 'public' }, CreateMmsTimer: { srcDbName: 'public', scheduleType: 'Daily', value: '01:00' } };
    for (const o of REFERENCE_OPERATIONS) {
      for (const id of o.params.filter((p) => p.startsWith('path:')).map((p) => p.slice(5))) {
        const path = o.path.replace(/\{(\w+)\}/g, (_, name: string) => String(name === id ? 987_654_321 : real[name]));
        const res = await w.call(o.operation, o.method, path, bodies[o.operation] ? { body: bodies[o.operation] } : {});
        expect([o.operation, id, res.status]).toEqual([o.operation, id, 404]);
      }
    }
  });
});
