import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { duckdbRows } from '../support/duckdb-read.js';
import { createPgDatabase, pgQuery } from '../support/stores.js';
import { mmsClient, SERVING, spawnMms, until } from '../support/processes.js';

// Small partitions of one task are copied in batches: one destination transaction, one grouped
// verification per end. These tests stop, kill and corrupt a batch in flight and check every
// partition from outside: its rows at the destination (all or none) and its status (true).

const DAYS = 60;
const PER_DAY = 4000;

/** Each partition's rows and a digest of their contents, as PostgreSQL computes them. */
const digest = (from: string, slice: string) =>
  `SELECT ${slice} AS day, count(*)::int AS n, md5(string_agg(id || ':' || pad, ',' ORDER BY id)) AS md5 FROM ${from} GROUP BY 1 ORDER BY 1`;
const sourceDigest = (url: string) => pgQuery(url, digest('s.events', `'day=' || day`));
const destinationDigest = (url: string, schema: string) => pgQuery(url, digest(`${schema}.events`, '_mms_partition'));

/** An embedded server (SQLite store, runner on; `dir` its file root) and a caller that expects 200. */
async function embedded() {
  const dir = mkdtempSync(join(tmpdir(), 'openmms-batch-'));
  const api = await TestApi.start('sqlite', dir, { runJobs: true });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api.call(method as 'GET', mms(path), body);
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  };
  return { api, call, dir };
}

describe('batches of small partitions', () => {
  let src: Awaited<ReturnType<typeof createPgDatabase>>;
  let dst: Awaited<ReturnType<typeof createPgDatabase>>;
  beforeAll(async () => {
    src = await createPgDatabase('openmms_batch_src');
    dst = await createPgDatabase('openmms_batch_dst');
    const parts = Array.from({ length: DAYS }, (_, i) => `CREATE TABLE s.events_${i} PARTITION OF s.events FOR VALUES IN (${i});`).join('\n');
    await pgQuery(src.url, `CREATE SCHEMA s; CREATE TABLE s.events (day int, id bigint, pad text) PARTITION BY LIST (day); ${parts}
      INSERT INTO s.events SELECT g % ${DAYS}, g, repeat(md5(g::text), 6) FROM generate_series(1, ${DAYS * PER_DAY}) g; ANALYZE s.events;`);
  });
  afterAll(async () => {
    await src?.drop();
    await dst?.drop();
  });

  /** A PostgreSQL → PostgreSQL data source, its catalog scanned. */
  async function scannedSource(call: (m: string, p: string, b?: unknown) => Promise<any>, name: string): Promise<number> {
    const { dataSourceId: id } = await call('POST', '/datasources', { name, type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'POSTGRESQL', ...dst.conn } } });
    const { scanId } = await call('POST', `/datasources/${id}/scans`);
    await until(async () => (await call('GET', `/datasources/${id}/scans/${scanId}`)).status === 'DONE');
    return id;
  }

  /** Every partition whole or absent at the destination, and its catalog status saying which. */
  async function statusesTrue(call: (m: string, p: string) => Promise<any>, sourceId: number, schema: string): Promise<{ done: number }> {
    const want = new Map((await sourceDigest(src.url)).map((r) => [r.day, r]));
    const have = new Map((await destinationDigest(dst.url, schema).catch(() => [])).map((r) => [r.day, r]));
    const partitions = (await call('GET', `/datasources/${sourceId}/partitions?tableName=events&pageSize=100`)).objectList;
    expect(partitions).toHaveLength(DAYS);
    let done = 0;
    for (const p of partitions) {
      const copied = have.get(p.value);
      if (copied) expect(copied).toEqual(want.get(p.value)); // never half a partition
      expect([p.value, p.status]).toEqual([p.value, copied ? 'DONE' : 'INIT']);
      if (copied) done++;
    }
    // The list's totals (from the tables' status counters) agree with the partitions listed.
    const total = async (status: string) => (await call('GET', `/datasources/${sourceId}/partitions?tableName=events${status}`)).total;
    expect([await total(''), await total('&status=DONE'), await total('&status=INIT'), await total('&status=["INIT","DONE"]')]).toEqual([DAYS, done, DAYS - done, DAYS]);
    return { done };
  }

  it('a stop mid-batch rolls the whole batch back; a start finishes it exactly', async () => {
    const { api, call } = await embedded();
    try {
      const id = await scannedSource(call, 'batch-stop');
      // One task, so its partitions go in batches one after another.
      const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name: 'stoppable', srcDbName: 's', dstDbName: 'stopped', others: { 'task.partition.max.num': DAYS } });
      await until(async () => (await call('GET', `/datasources/${id}/partitions?tableName=events&status=DOING`)).total > 1);
      await call('POST', `/datasources/${id}/jobs/${jobId}/stop`);
      await until(async () => (await call('GET', `/datasources/${id}/tasks?jobId=${jobId}`)).objectList[0].status === 'INIT');
      const stopped = await statusesTrue(call, id, 'stopped');
      expect(stopped.done).toBeLessThan(DAYS);

      await call('POST', `/datasources/${id}/jobs/${jobId}/start`);
      await until(async () => (await call('GET', `/datasources/${id}/jobs/${jobId}`)).status === 'DONE');
      expect(await statusesTrue(call, id, 'stopped')).toEqual({ done: DAYS });
      expect(await destinationDigest(dst.url, 'stopped')).toEqual(await sourceDigest(src.url));
      const [task] = (await call('GET', `/datasources/${id}/tasks?jobId=${jobId}`)).objectList;
      const detail = await call('GET', `/datasources/${id}/tasks/${task.id}`);
      expect(detail.partitions.every((p: any) => p.rows === PER_DAY && p.verification.ok && p.verification.sourceFingerprint === p.verification.destinationFingerprint)).toBe(true);
      expect(task.rows).toBe(DAYS * PER_DAY);
      const logs = await call('GET', `/datasources/${id}/tasks/${task.id}/logs`);
      expect(logs.map((l: any) => l.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^copied \d+ partitions in one transaction \(day=\d+ … day=\d+\): \d+ rows$/)]));
    } finally {
      await api.close();
    }
  });

  it('a server killed mid-batch leaves no partition half copied; after a restart the copy is exact', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openmms-batch-crash-'));
    const key = randomBytes(32).toString('hex');
    const start = async () => {
      const p = await spawnMms(['serve', '--port', '0', '--data-dir', dataDir], { OPENMMS_SECRET_KEY: key, OPENMMS_LOG_LEVEL: 'warn' }, SERVING);
      return { child: p.child, call: mmsClient(p.match[1]!) };
    };
    let server = await start();
    const call = (method: string, path: string, body?: unknown) => server.call(method, path, body);
    try {
      const id = await scannedSource(call, 'batch-crash');
      const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name: 'crashy', srcDbName: 's', dstDbName: 'crashed', others: { 'task.partition.max.num': DAYS } });
      await until(async () => (await call('GET', `/datasources/${id}/partitions?tableName=events&status=DOING`)).total > 1);
      server.child.kill('SIGKILL');
      await once(server.child, 'exit');

      // Dead: whatever the destination holds is whole partitions.
      const want = new Map((await sourceDigest(src.url)).map((r) => [r.day, r]));
      const copied = await destinationDigest(dst.url, 'crashed').catch(() => []);
      for (const r of copied) expect(r).toEqual(want.get(r.day));
      expect(copied.length).toBeLessThan(DAYS); // killed before the end

      server = await start();
      await until(async () => (await call('GET', `/datasources/${id}/jobs/${jobId}`)).status === 'DONE');
      expect(await statusesTrue(call, id, 'crashed')).toEqual({ done: DAYS });
      expect(await destinationDigest(dst.url, 'crashed')).toEqual(await sourceDigest(src.url));
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit').catch(() => {});
    }
  });

  it('columns the fast path cannot pass (money) go one partition at a time, and only the one in flight shows DOING', async () => {
    const { api, call } = await embedded();
    try {
      const parts = Array.from({ length: 20 }, (_, i) => `CREATE TABLE s.priced_${i} PARTITION OF s.priced FOR VALUES IN (${i});`).join('\n');
      await pgQuery(src.url, `CREATE TABLE s.priced (day int, id bigint, price money) PARTITION BY LIST (day); ${parts}
        INSERT INTO s.priced SELECT g % 20, g, (g % 100000) / 100.0 FROM generate_series(1, 40000) g;`);
      const id = await scannedSource(call, 'batch-money');
      const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name: 'priced', srcDbName: 's', dstDbName: 'priced', tables: ['priced'], others: { 'task.partition.max.num': 20 } });
      let most = 0;
      await until(async () => {
        most = Math.max(most, (await call('GET', `/datasources/${id}/partitions?tableName=priced&status=DOING`)).total);
        return (await call('GET', `/datasources/${id}/jobs/${jobId}`)).status === 'DONE';
      });
      expect(most).toBeLessThanOrEqual(1);
      const priced = (from: string, slice: string) => `SELECT ${slice} AS day, count(*)::int AS n, md5(string_agg(id || ':' || price::numeric, ',' ORDER BY id)) AS md5 FROM ${from} GROUP BY 1 ORDER BY 1`;
      expect(await pgQuery(dst.url, priced('priced.priced', '_mms_partition'))).toEqual(await pgQuery(src.url, priced('s.priced', `'day=' || day`)));
    } finally {
      await api.close();
    }
  });

  it('a batch whose copy lost rows fails the partition it names; the others of the batch are DONE', async () => {
    const { api, call } = await embedded();
    try {
      // The destination silently drops one row of day 7 as it arrives.
      await pgQuery(dst.url, `CREATE SCHEMA lossy; CREATE TABLE lossy.events (day int, id bigint, pad text, _mms_partition text);
        CREATE FUNCTION lossy.drop_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = 7 THEN RETURN NULL; END IF; RETURN NEW; END $$;
        CREATE TRIGGER drop_one BEFORE INSERT ON lossy.events FOR EACH ROW EXECUTE FUNCTION lossy.drop_one();`);
      const id = await scannedSource(call, 'batch-verify');
      // 20 partitions of about 1 MB: a batch whose source side is read beside its copy (BESIDE_BYTES).
      const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name: 'lossy', srcDbName: 's', dstDbName: 'lossy', tables: ['events'], partitionFilters: { events: 'day < 20' }, others: { 'task.partition.max.num': DAYS } });
      await until(async () => (await call('GET', `/datasources/${id}/jobs/${jobId}`)).status === 'FAILED');
      const [task] = (await call('GET', `/datasources/${id}/tasks?jobId=${jobId}`)).objectList;
      expect(task.errMsg).toMatch(/^verification failed for partition day=7: the source has 4000 rows, the destination 3999; a row only at the source: \(day='7', id='7', /);
      const partitions = (await call('GET', `/datasources/${id}/partitions?tableName=events&pageSize=100`)).objectList.filter((p: any) => Number(p.value.slice(4)) < 20);
      expect(partitions.map((p: any) => [p.value, p.status]).sort()).toEqual(Array.from({ length: 20 }, (_, d) => [`day=${d}`, d === 7 ? 'FAILED' : 'DONE']).sort());
      const detail = await call('GET', `/datasources/${id}/tasks/${task.id}`);
      expect(detail.partitions.filter((p: any) => p.status === 'DONE')).toHaveLength(19);
    } finally {
      await api.close();
    }
  });

  it.each(['POSTGRESQL', 'DUCKDB'] as const)('a batch read beside its copy while a writer changes its partitions, into %s: DONE, and each partition is the source as of the job’s snapshot', async (kind) => {
    const LIVE_DAYS = 20;
    const schema = `live_${kind.toLowerCase()}`;
    const parts = Array.from({ length: LIVE_DAYS }, (_, i) => `CREATE TABLE ${schema}.live_${i} PARTITION OF ${schema}.live FOR VALUES IN (${i});`).join('\n');
    // 20 partitions of about 1 MB: one batch, its source side read beside its copy (BESIDE_BYTES).
    // Each change logs itself in the log table in the same statement; the job copies the log in its
    // snapshot, so the log copied says which changes that snapshot saw.
    await pgQuery(src.url, `CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.live (day int, id bigint, pad text) PARTITION BY LIST (day); ${parts}
      INSERT INTO ${schema}.live SELECT g % ${LIVE_DAYS}, g, repeat(md5(g::text), 6) FROM generate_series(1, ${LIVE_DAYS * PER_DAY}) g;
      CREATE TABLE ${schema}.live_log (seq bigserial PRIMARY KEY, op char(1) NOT NULL, day int NOT NULL, id bigint NOT NULL, pad text);
      CREATE TABLE ${schema}.live_initial AS SELECT * FROM ${schema}.live; ANALYZE ${schema}.live;`);
    const writer = new pg.Client({ connectionString: src.url });
    await writer.connect();
    let [stopping, committed] = [false, 0];
    const writing = (async () => {
      const log = (op: string, change: string) => `WITH c AS (${change} RETURNING *) INSERT INTO ${schema}.live_log (op, day, id, pad) SELECT '${op}', day, id, ${op === 'D' ? 'NULL' : 'pad'} FROM c`;
      for (let n = 0, fresh = LIVE_DAYS * PER_DAY; !stopping; n++) {
        const id = 1 + ((n * 7919) % (LIVE_DAYS * PER_DAY));
        if (n % 5 === 0) await writer.query(log('D', `DELETE FROM ${schema}.live WHERE id = $1`), [id]);
        else if (n % 5 === 1) await writer.query(log('I', `INSERT INTO ${schema}.live VALUES ($1 % ${LIVE_DAYS}, $1, md5(random()::text))`), [++fresh]);
        else await writer.query(log('U', `UPDATE ${schema}.live SET pad = md5(random()::text) WHERE id = $1`), [id]);
        committed++;
      }
    })();
    const { api, call, dir } = await embedded();
    try {
      await until(async () => committed > 50);
      const destination = kind === 'POSTGRESQL' ? { type: kind, ...dst.conn } : { type: kind, path: 'live.duckdb' };
      const { dataSourceId: id } = await call('POST', '/datasources', { name: `batch-live-${kind}`, type: 'POSTGRESQL', config: { source: src.conn, destination } });
      const { scanId } = await call('POST', `/datasources/${id}/scans`);
      await until(async () => (await call('GET', `/datasources/${id}/scans/${scanId}`)).status === 'DONE');
      const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name: 'live', srcDbName: schema, dstDbName: 'livecopy', tables: ['live', 'live_log'], others: { 'task.partition.max.num': LIVE_DAYS } });
      await until(async () => ['DONE', 'FAILED'].includes((await call('GET', `/datasources/${id}/jobs/${jobId}`)).status));
      const atDone = committed;
      await until(async () => committed > atDone + 50); // still writing after the job
      stopping = true;
      await writing;
      expect((await call('GET', `/datasources/${id}/jobs/${jobId}`)).status).toBe('DONE');

      // Each end read by its own engine, every value as text.
      const read = async (sql: string): Promise<string[][]> =>
        kind === 'POSTGRESQL' ? (await pgQuery(dst.url, sql)).map((r) => Object.values(r).map((v) => (v === null ? null : String(v)))) as string[][] : ((await duckdbRows(sql, join(dir, 'live.duckdb'))) as string[][]);
      // The source as of the job's snapshot: the rows before the writer, then the changes its copy of the log holds.
      const seen = await read('SELECT op, day, id, pad FROM livecopy.live_log ORDER BY seq');
      const all = Number((await pgQuery(src.url, `SELECT count(*) AS n FROM ${schema}.live_log`))[0].n);
      expect(seen.length).toBeGreaterThan(0); // changes before the snapshot…
      expect(all).toBeGreaterThan(seen.length); // …and after it, while the job read
      const want = new Map((await pgQuery(src.url, `SELECT day::text, id::text, pad FROM ${schema}.live_initial`)).map((r) => [r.id, [r.day, r.id, r.pad]]));
      for (const [op, day, rowId, pad] of seen) op === 'D' ? want.delete(rowId!) : want.set(rowId!, [day!, rowId!, pad!]);
      const have = await read('SELECT day, id, pad, _mms_partition FROM livecopy.live');
      const byId = (rows: string[][]) => [...rows].sort((a, b) => Number(a[1]) - Number(b[1]));
      expect(have.every(([day, , , tag]) => tag === `day=${day}`)).toBe(true);
      expect(byId(have.map((r) => r.slice(0, 3)))).toEqual(byId([...want.values()]));

      // One batch, verified by fingerprints at both ends, not redone one partition at a time.
      const task = (await call('GET', `/datasources/${id}/tasks?jobId=${jobId}`)).objectList.find((t: any) => t.srcTableName === 'live');
      const detail = await call('GET', `/datasources/${id}/tasks/${task.id}`);
      expect(detail.partitions.every((p: any) => p.verification.ok && p.verification.sourceFingerprint === p.verification.destinationFingerprint)).toBe(true);
      const logs = await call('GET', `/datasources/${id}/tasks/${task.id}/logs`);
      expect(logs.map((l: any) => l.message)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^copied ${LIVE_DAYS} partitions in one transaction \\(day=\\d+ … day=\\d+\\): ${have.length} rows$`))]));
    } finally {
      stopping = true;
      await writing.catch(() => {});
      await writer.end();
      await api.close();
    }
  });
});
