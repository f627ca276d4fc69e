import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fidelity, fidelityTable } from '../../src/connectors/fidelity.js';
import { ENGINES } from '../../src/connectors/engines.js';
import { mms, TestApi } from '../support/api.js';
import { createPgDatabase } from '../support/stores.js';

describe('the fidelity contract', () => {
  it('is what docs/API.md shows (npm run docs:fidelity renders it)', () => {
    const doc = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8');
    expect(doc).toContain(`<!-- fidelity:start -->\n${fidelityTable()}\n<!-- fidelity:end -->`);
  });

  it('gives every type a destination type in every engine, and a reason wherever it is not exact', () => {
    for (const engine of ENGINES) {
      for (const t of [{ kind: 'json' }, { kind: 'timestamp', precision: 9 }, { kind: 'decimal', precision: 70, scale: 2 }, { kind: 'interval' }] as const) {
        const f = fidelity(t, engine);
        expect(f.as).not.toBe('');
        if (f.outcome !== 'exact') expect(f.note).toBeTruthy();
      }
    }
  });

  describe('applied before a job starts', () => {
    let api: TestApi;
    let dst: Awaited<ReturnType<typeof createPgDatabase>>;
    const dataDir = mkdtempSync(join(tmpdir(), 'openmms-contract-'));

    beforeAll(async () => {
      dst = await createPgDatabase('openmms_contract');
      const instance = await DuckDBInstance.create(join(dataDir, 'ns.duckdb'));
      const c = await instance.connect();
      await c.run(`CREATE TABLE events (id INTEGER, ts TIMESTAMP_NS); INSERT INTO events VALUES (1, '2024-01-31 10:00:00.123456789'); CREATE TABLE plain (id INTEGER)`);
      c.closeSync();
      instance.closeSync();
      api = await TestApi.start('sqlite', dataDir, { runJobs: true });
    });
    afterAll(async () => {
      await api?.close();
      await dst?.drop();
    });

    const register = async (name: string, destination: object) => {
      const { dataSourceId: id } = (await api.call('POST', mms('/datasources'), { name, type: 'DUCKDB', config: { source: { path: 'ns.duckdb' }, destination } })).body.data;
      await api.call('POST', mms(`/datasources/${id}/scans`));
      await api.app.scans.idle();
      return id as number;
    };

    it('refuses nanoseconds into PostgreSQL by table and column, at CreateMmsJob and PreviewMmsJob', async () => {
      const id = await register('ns-pg', { type: 'POSTGRESQL', ...dst.conn });
      for (const path of ['/jobs', '/jobs/preview']) {
        const res = await api.call('POST', mms(`/datasources/${id}${path}`), { name: 'ns', srcDbName: 'main' });
        expect([path, res.status, res.body.code]).toEqual([path, 400, 'InvalidParameter']);
        expect(res.body.message).toBe("table 'events', column 'ts' (TIMESTAMP_NS): PostgreSQL keeps microseconds, and nanoseconds would be rounded away: cast the column to microseconds at the source, or copy it to DuckDB, the lake or SQLite, which keep them");
      }
      // The other tables go.
      expect((await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'plain', srcDbName: 'main', tables: ['plain'] })).status).toBe(200);
    });

    it('copies them exactly where the engine keeps nanoseconds', async () => {
      const id = await register('ns-duck', { type: 'DUCKDB', path: 'copy.duckdb' });
      const res = await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'ns', srcDbName: 'main', tables: ['events'] });
      expect(res.status, res.text).toBe(200);
      await api.app.runner!.idle();
      expect((await api.call('GET', mms(`/datasources/${id}/jobs/${res.body.data.jobId}`))).body.data.status).toBe('DONE');
      const instance = await DuckDBInstance.create(join(dataDir, 'copy.duckdb'), { access_mode: 'READ_ONLY' });
      const c = await instance.connect();
      const rows = (await c.runAndReadAll('SELECT ts::VARCHAR, typeof(ts) FROM main.events')).getRows();
      c.closeSync();
      instance.closeSync();
      expect(rows).toEqual([['2024-01-31 10:00:00.123456789', 'TIMESTAMP_NS']]);
    });

    it('verifies them to the nanosecond', async () => {
      const id = await register('ns-sqlite', { type: 'SQLITE', path: 'copy.sqlite' });
      const job = { name: 'ns', srcDbName: 'main', tables: ['events'] };
      const copied = await api.call('POST', mms(`/datasources/${id}/jobs`), job);
      await api.app.runner!.idle();
      expect((await api.call('GET', mms(`/datasources/${id}/jobs/${copied.body.data.jobId}`))).body.data.status).toBe('DONE');
      execFileSync('sqlite3', [join(dataDir, 'copy.sqlite'), "UPDATE events SET ts = '2024-01-31 10:00:00.123456788'"]);
      const checked = await api.call('POST', mms(`/datasources/${id}/jobs`), { ...job, name: 'check', taskType: 'MC2MC_VERIFY', increment: false });
      await api.app.runner!.idle();
      const [task] = (await api.call('GET', mms(`/datasources/${id}/tasks?jobId=${checked.body.data.jobId}`))).body.data.objectList;
      expect(task.errMsg).toContain("has ts '2024-01-31 10:00:00.123456789' at the source but '2024-01-31 10:00:00.123456788' at the destination");
    });
  });

  describe('columns an engine would take for one', () => {
    let api: TestApi;
    let src: Awaited<ReturnType<typeof createPgDatabase>>;
    let dst: Awaited<ReturnType<typeof createPgDatabase>>;
    const dataDir = mkdtempSync(join(tmpdir(), 'openmms-cases-'));

    beforeAll(async () => {
      [src, dst] = await Promise.all([createPgDatabase('openmms_cases_src'), createPgDatabase('openmms_cases_dst')]);
      execFileSync('psql', [src.url, '-qX', '-c', 'CREATE TABLE cases (id int, "Mixed Case" int, "MIXED case" int); INSERT INTO cases VALUES (1, 2, 3)']);
      api = await TestApi.start('sqlite', dataDir, { runJobs: true });
    });
    afterAll(async () => {
      await api?.close();
      await Promise.all([src?.drop(), dst?.drop()]);
    });

    const register = async (name: string, destination: object) => {
      const { dataSourceId: id } = (await api.call('POST', mms('/datasources'), { name, type: 'POSTGRESQL', config: { source: src.conn, destination } })).body.data;
      await api.call('POST', mms(`/datasources/${id}/scans`));
      await api.app.scans.idle();
      return id as number;
    };

    it.each([
      ['DUCKDB', { type: 'DUCKDB', path: 'cases.duckdb' }],
      ['SQLITE', { type: 'SQLITE', path: 'cases.sqlite' }],
      ['LAKE', { type: 'LAKE', path: 'cases-lake' }],
    ])('are refused before a job into %s starts, and go once columnMapping tells them apart', async (engine, destination) => {
      const id = await register(`cases-${engine}`, destination);
      for (const path of ['/jobs', '/jobs/preview']) {
        const res = await api.call('POST', mms(`/datasources/${id}${path}`), { name: 'cases', srcDbName: 'public' });
        expect([path, res.status, res.body.code]).toEqual([path, 400, 'InvalidParameter']);
        expect(res.body.message).toBe(`table 'cases': the columns 'Mixed Case' and 'MIXED case' would be one column in the ${engine} destination, which does not tell names apart by letter case; rename one with columnMapping`);
      }
      const ok = await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'cases', srcDbName: 'public', columnMapping: { 'MIXED case': 'mixed_2' } });
      expect(ok.status, ok.text).toBe(200);
      await api.app.runner!.idle();
      expect((await api.call('GET', mms(`/datasources/${id}/jobs/${ok.body.data.jobId}`))).body.data.status).toBe('DONE');
    });

    it('are kept apart in PostgreSQL, which tells them apart; two columns mapped onto one name are refused there too', async () => {
      const id = await register('cases-pg', { type: 'POSTGRESQL', ...dst.conn });
      const res = await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'cases', srcDbName: 'public', dstDbName: 'cases' });
      expect(res.status, res.text).toBe(200);
      await api.app.runner!.idle();
      expect(execFileSync('psql', [dst.url, '-qAtX', '-c', 'SELECT id, "Mixed Case", "MIXED case" FROM cases.cases'], { encoding: 'utf8' })).toBe('1|2|3\n');
      const clash = await api.call('POST', mms(`/datasources/${id}/jobs/preview`), { srcDbName: 'public', dstDbName: 'other', columnMapping: { 'Mixed Case': 'm', 'MIXED case': 'm' } });
      expect([clash.status, clash.body.message]).toEqual([400, "columnMapping: columns 'Mixed Case' and 'MIXED case' would both be written to 'm'"]);
      const onto = await api.call('POST', mms(`/datasources/${id}/jobs/preview`), { srcDbName: 'public', dstDbName: 'other', columnMapping: { 'Mixed Case': 'id' } });
      expect([onto.status, onto.body.message]).toEqual([400, "columnMapping (table 'cases'): columns 'id' and 'Mixed Case' would both be written to 'id'"]);
    });
  });
});
