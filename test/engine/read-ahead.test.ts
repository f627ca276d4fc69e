import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { createPgDatabase, pgQuery } from '../support/stores.js';
import { until } from '../support/processes.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';
import { BESIDE_BYTES as AHEAD_BYTES } from '../../src/engine/slice-check.js';

// A large slice has its source side verified on a second connection while it copies. These tests
// check that the comparison still sees every difference, from outside: psql at both ends.

const digest = (table: string) => `SELECT count(*)::int AS n, md5(string_agg(id || ':' || pad, ',' ORDER BY id)) AS md5 FROM ${table}`;

describe('a large slice verified beside its copy', () => {
  let src: Awaited<ReturnType<typeof createPgDatabase>>;
  let dst: Awaited<ReturnType<typeof createPgDatabase>>;
  let api: TestApi;
  let sourceId: number;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api.call(method as 'GET', mms(path), body);
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  };
  const run = async (name: string, dstDbName: string, others?: object) => {
    const { jobId } = await call('POST', `/datasources/${sourceId}/jobs`, { name, srcDbName: 's', dstDbName, tables: ['big'], increment: false, others });
    await until(async () => ['DONE', 'FAILED'].includes((await call('GET', `/datasources/${sourceId}/jobs/${jobId}`)).status));
    const [task] = (await call('GET', `/datasources/${sourceId}/tasks?jobId=${jobId}`)).objectList;
    return { task, detail: await call('GET', `/datasources/${sourceId}/tasks/${task.id}`) };
  };

  beforeAll(async () => {
    src = await createPgDatabase('openmms_ahead_src');
    dst = await createPgDatabase('openmms_ahead_dst');
    await pgQuery(src.url, `CREATE SCHEMA s; CREATE TABLE s.big (id bigint PRIMARY KEY, pad text);
      INSERT INTO s.big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 120000) g; ANALYZE s.big;`);
    const [{ bytes }] = await pgQuery(src.url, `SELECT pg_table_size('s.big') AS bytes`);
    expect(Number(bytes)).toBeGreaterThan(AHEAD_BYTES); // else these tests would not take the path they test
    api = await TestApi.start('sqlite', mkdtempSync(join(tmpdir(), 'openmms-ahead-')), { runJobs: true });
    ({ dataSourceId: sourceId } = await call('POST', '/datasources', { name: 'ahead', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'POSTGRESQL', ...dst.conn } } }));
    const { scanId } = await call('POST', `/datasources/${sourceId}/scans`);
    await until(async () => (await call('GET', `/datasources/${sourceId}/scans/${scanId}`)).status === 'DONE');
  });
  afterAll(async () => {
    await api?.close();
    await src?.drop();
    await dst?.drop();
  });

  it('copies exactly, with both fingerprints recorded', async () => {
    const { task, detail } = await run('exact', 'exact');
    expect(task.status).toBe('DONE');
    expect(await pgQuery(dst.url, digest('exact.big'))).toEqual(await pgQuery(src.url, digest('s.big')));
    const [v] = detail.partitions.map((p: any) => p.verification);
    expect(v).toMatchObject({ ok: true, sourceRows: 120000, destinationRows: 120000 });
    expect(v.sourceFingerprint).toBe(v.destinationFingerprint);
  });

  it('fails a copy whose contents changed on the way, naming the row, though the counts match', async () => {
    // The destination rewrites one value as it arrives.
    await pgQuery(dst.url, `CREATE SCHEMA altered; CREATE TABLE altered.big (id bigint, pad text);
      CREATE FUNCTION altered.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = 4242 THEN NEW.pad := 'changed'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER touch BEFORE INSERT ON altered.big FOR EACH ROW EXECUTE FUNCTION altered.touch();`);
    const { task } = await run('altered', 'altered');
    expect(task.status).toBe('VERIFICATION_FAILED');
    expect(task.errMsg).toMatch(/^verification failed for table big: the row counts match but the contents differ \(.*4242/);
  });

  it('fails a copy that lost a row', async () => {
    await pgQuery(dst.url, `CREATE SCHEMA lossy; CREATE TABLE lossy.big (id bigint, pad text);
      CREATE FUNCTION lossy.drop_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = 777 THEN RETURN NULL; END IF; RETURN NEW; END $$;
      CREATE TRIGGER drop_one BEFORE INSERT ON lossy.big FOR EACH ROW EXECUTE FUNCTION lossy.drop_one();`);
    const { task } = await run('lossy', 'lossy');
    expect(task.status).toBe('VERIFICATION_FAILED');
    expect(task.errMsg).toMatch(/^verification failed for table big: the source has 120000 rows, the destination 119999; a row only at the source: \(id='777', /);
  });

  // Counts only, the source's count is the one its COPY reports (no second count beside it).
  it('counts only: an exact copy passes on the counts, and one that lost a row fails', async () => {
    const countsOnly = { 'verify.content': false };
    const exact = await run('counted', 'counted', countsOnly);
    expect(exact.task.status).toBe('DONE');
    expect(exact.detail.partitions[0].verification).toMatchObject({ ok: true, sourceRows: 120000, destinationRows: 120000 });
    expect(await pgQuery(dst.url, digest('counted.big'))).toEqual(await pgQuery(src.url, digest('s.big')));
    await pgQuery(dst.url, `CREATE SCHEMA lossy_counted; CREATE TABLE lossy_counted.big (id bigint, pad text);
      CREATE FUNCTION lossy_counted.drop_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = 777 THEN RETURN NULL; END IF; RETURN NEW; END $$;
      CREATE TRIGGER drop_one BEFORE INSERT ON lossy_counted.big FOR EACH ROW EXECUTE FUNCTION lossy_counted.drop_one();`);
    const { task } = await run('lossy-counted', 'lossy_counted', countsOnly);
    expect(task.status).toBe('VERIFICATION_FAILED');
    expect(task.errMsg).toMatch(/^verification failed for table big: the source has 120000 rows, the destination 119999/);
  });
});

describe('a large MariaDB slice verified beside its copy into PostgreSQL', () => {
  let maria: Awaited<ReturnType<typeof createMariaDatabase>>;
  let dst: Awaited<ReturnType<typeof createPgDatabase>>;
  let api: TestApi;
  afterAll(async () => {
    await api?.close();
    await maria?.drop();
    await dst?.drop();
  });

  it('copies exactly, and fails a copy whose contents changed on the way', async () => {
    maria = await createMariaDatabase('openmms_ahead_maria');
    dst = await createPgDatabase('openmms_ahead_maria_dst');
    await maria.admin.query(`CREATE TABLE big (id bigint PRIMARY KEY, pad text);
      INSERT INTO big SELECT seq, REPEAT(MD5(seq), 4) FROM seq_1_to_150000; ANALYZE TABLE big;`);
    const [[{ bytes }]] = (await maria.admin.query(`SELECT data_length AS bytes FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'big'`)) as any;
    expect(Number(bytes)).toBeGreaterThan(AHEAD_BYTES);
    api = await TestApi.start('sqlite', mkdtempSync(join(tmpdir(), 'openmms-ahead-maria-')), { runJobs: true });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await api.call(method as 'GET', mms(path), body);
      expect(res.status, res.text).toBe(200);
      return res.body.data;
    };
    const { dataSourceId: id } = await call('POST', '/datasources', { name: 'ahead-maria', type: 'MYSQL', config: { source: { ...MARIADB, database: maria.name }, destination: { type: 'POSTGRESQL', ...dst.conn } } });
    const { scanId } = await call('POST', `/datasources/${id}/scans`);
    await until(async () => (await call('GET', `/datasources/${id}/scans/${scanId}`)).status === 'DONE');
    const run = async (name: string) => {
      const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name, srcDbName: maria.name, dstDbName: name, tables: ['big'], increment: false });
      await until(async () => ['DONE', 'FAILED'].includes((await call('GET', `/datasources/${id}/jobs/${jobId}`)).status));
      return (await call('GET', `/datasources/${id}/tasks?jobId=${jobId}`)).objectList[0];
    };

    expect((await run('exact')).status).toBe('DONE');
    await maria.admin.query('SET SESSION group_concat_max_len = 1073741824');
    // In 16 groups: one GROUP_CONCAT of every row would pass MariaDB's max_allowed_packet.
    const [want] = (await maria.admin.query(`SELECT id % 16 AS g, count(*) AS n, MD5(GROUP_CONCAT(id, ':', pad ORDER BY id SEPARATOR ',')) AS md5 FROM big GROUP BY 1 ORDER BY 1`)) as any;
    const have = await pgQuery(dst.url, `SELECT id % 16 AS g, count(*)::int AS n, md5(string_agg(id || ':' || pad, ',' ORDER BY id)) AS md5 FROM exact.big GROUP BY 1 ORDER BY 1`);
    expect(have.map((r: any) => [Number(r.g), r.n, r.md5])).toEqual(want.map((r: any) => [Number(r.g), Number(r.n), r.md5]));

    await pgQuery(dst.url, `CREATE SCHEMA altered; CREATE TABLE altered.big (id bigint, pad text);
      CREATE FUNCTION altered.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = 31337 THEN NEW.pad := upper(NEW.pad); END IF; RETURN NEW; END $$;
      CREATE TRIGGER touch BEFORE INSERT ON altered.big FOR EACH ROW EXECUTE FUNCTION altered.touch();`);
    const altered = await run('altered');
    expect(altered.status).toBe('VERIFICATION_FAILED');
    expect(altered.errMsg).toMatch(/^verification failed for table big: the row counts match but the contents differ \(.*31337/);
  });
});
