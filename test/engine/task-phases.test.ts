import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { until } from '../support/processes.js';
import { createPgDatabase, pgQuery } from '../support/stores.js';

/**
 * A task's status shows its phase as MMS's does (reference §1.5): SCHEMA_DOING while the destination
 * table is made, DATA_DOING while rows copy, VERIFICATION_DOING while a slice is checked before its
 * commit; a failure keeps the phase it happened in (SCHEMA_FAILED, DATA_FAILED, VERIFICATION_FAILED).
 * ListMmsTasks selects by them, and each log line carries the status it was written in.
 */
describe('task phases', () => {
  let src: Awaited<ReturnType<typeof createPgDatabase>>;
  let dst: Awaited<ReturnType<typeof createPgDatabase>>;
  let api: TestApi;
  let sourceId: number;
  /** Holds a task in its slice's verification until released. */
  let checking: { reached: () => void; release: Promise<void> } | null = null;
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await api.call(method, mms(path), body);
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  };
  const run = async (name: string, dstDbName: string) => (await call('POST', `/datasources/${sourceId}/jobs`, { name, srcDbName: 'public', dstDbName, tables: ['t'], increment: false })).jobId as number;
  const theTask = async (jobId: number) => (await call('GET', `/datasources/${sourceId}/tasks?jobId=${jobId}`)).objectList[0];
  const selected = async (jobId: number, status: string) => (await call('GET', `/datasources/${sourceId}/tasks?jobId=${jobId}&status=${status}`)).objectList.map((t: { id: number }) => t.id);
  const logs = async (taskId: number) => ((await call('GET', `/datasources/${sourceId}/tasks/${taskId}/logs`)) as { status: string; action: string }[]).map((l) => [l.status, l.action]);
  const ended = async (jobId: number) => {
    await until(async () => ['DONE', 'FAILED'].includes((await call('GET', `/datasources/${sourceId}/jobs/${jobId}`)).status));
    return theTask(jobId);
  };

  beforeAll(async () => {
    [src, dst] = await Promise.all([createPgDatabase('openmms_phase_src'), createPgDatabase('openmms_phase_dst')]);
    await pgQuery(src.url, 'CREATE TABLE t (id bigint PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 5000) g');
    api = await TestApi.start('sqlite', mkdtempSync(join(tmpdir(), 'openmms-phases-')), {
      runJobs: true,
      faults: {
        beforeCheck: async () => {
          if (!checking) return;
          checking.reached();
          await checking.release;
        },
      },
    });
    sourceId = (await call('POST', '/datasources', { name: 'phases', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'POSTGRESQL', ...dst.conn } } })).dataSourceId;
    await call('POST', `/datasources/${sourceId}/scans`);
    await api.app.scans.idle();
  });
  afterAll(async () => {
    await api?.close();
    await src?.drop();
    await dst?.drop();
  });

  it('moves through SCHEMA, DATA and VERIFICATION; ListMmsTasks selects each; the log says where each phase ends', async () => {
    // The destination's inserts wait for a lock this test holds: the task stays in its data phase.
    await pgQuery(dst.url, `CREATE SCHEMA held; CREATE TABLE held.t (id bigint, v text);
      CREATE FUNCTION held.wait() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock_shared(4711); RETURN NEW; END $$;
      CREATE TRIGGER wait BEFORE INSERT ON held.t FOR EACH ROW EXECUTE FUNCTION held.wait();`);
    const lock = new pg.Client({ connectionString: dst.url });
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock(4711)');
    let reached!: () => void;
    const inCheck = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    checking = { reached, release: new Promise<void>((r) => (release = r)) };
    try {
      const jobId = await run('phased', 'held');
      await until(async () => (await theTask(jobId))?.status === 'DATA_DOING');
      const { id } = await theTask(jobId);
      expect(await selected(jobId, 'DATA_DOING')).toEqual([id]);
      expect(await selected(jobId, 'DOING')).toEqual([id]);
      for (const other of ['SCHEMA_DOING', 'VERIFICATION_DOING', 'SCHEMA_DONE', 'DATA_DONE', 'INIT', 'DONE', 'FAILED']) expect([other, await selected(jobId, other)]).toEqual([other, []]);
      expect(await logs(id)).toEqual([
        ['SCHEMA_DOING', 'create table if not exists held.t (2 columns), or add the columns it lacks'],
        ['SCHEMA_DONE', 'the destination table held.t is ready'],
      ]);

      await lock.query('SELECT pg_advisory_unlock(4711)');
      await inCheck;
      expect((await theTask(jobId)).status).toBe('VERIFICATION_DOING');
      expect(await selected(jobId, 'VERIFICATION_DOING')).toEqual([id]);
      expect(await selected(jobId, 'DATA_DOING')).toEqual([]);
      release();

      expect((await ended(jobId)).status).toBe('DONE');
      expect(await selected(jobId, 'DONE')).toEqual([id]);
      expect(await logs(id)).toEqual([
        ['SCHEMA_DOING', 'create table if not exists held.t (2 columns), or add the columns it lacks'],
        ['SCHEMA_DONE', 'the destination table held.t is ready'],
        ['DATA_DOING', 'copied table t: 5000 rows'],
        ['DATA_DONE', 'every slice of held.t is copied: 5000 rows'],
        ['VERIFICATION_DONE', 'every slice of held.t matches its source, verified before its commit'],
      ]);
    } finally {
      checking = null;
      release();
      await lock.end();
    }
  });

  it('keeps the phase a task failed in: SCHEMA_FAILED, DATA_FAILED, VERIFICATION_FAILED, each selectable and the last line of its log', async () => {
    await pgQuery(dst.url, `CREATE SCHEMA schema_fails; CREATE VIEW schema_fails.t AS SELECT 1::bigint AS id;
      CREATE SCHEMA data_fails; CREATE TABLE data_fails.t (id bigint, v text);
      CREATE FUNCTION data_fails.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = 4000 THEN RAISE EXCEPTION 'row 4000 refused'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse BEFORE INSERT ON data_fails.t FOR EACH ROW EXECUTE FUNCTION data_fails.refuse();
      CREATE SCHEMA check_fails; CREATE TABLE check_fails.t (id bigint, v text);
      CREATE FUNCTION check_fails.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = 42 THEN NEW.v := 'changed'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER touch BEFORE INSERT ON check_fails.t FOR EACH ROW EXECUTE FUNCTION check_fails.touch();`);
    for (const [schema, status, action, error] of [
      ['schema_fails', 'SCHEMA_FAILED', 'create or alter the destination table', /ADD COLUMN cannot be performed on relation "t"/],
      ['data_fails', 'DATA_FAILED', 'copy the rows', /row 4000 refused/],
      ['check_fails', 'VERIFICATION_FAILED', 'verify the copy against the source', /^verification failed for table t: the row counts match but the contents differ .*42/],
    ] as const) {
      const jobId = await run(`fails-${schema}`, schema);
      const task = await ended(jobId);
      expect([schema, task.status, task.errMsg]).toEqual([schema, status, expect.stringMatching(error)]);
      expect(await selected(jobId, status)).toEqual([task.id]);
      expect(await selected(jobId, 'FAILED')).toEqual([task.id]);
      // The line that ends it: what the task was doing as its action, the error as its result.
      const last = (await call('GET', `/datasources/${sourceId}/tasks/${task.id}/logs`)).at(-1);
      expect([last.status, last.action, last.msg, last.level]).toEqual([status, action, task.errMsg, 'ERROR']);
    }
  });

  it('refuses a status no task has with a 400 naming the ones there are', async () => {
    const res = await api.call('GET', mms(`/datasources/${sourceId}/tasks?status=COPYING`));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/SCHEMA_DOING.*DATA_FAILED.*VERIFICATION_DONE/);
  });
});
