import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { mms, TestApi } from '../support/api.js';

/**
 * Someone who can rename folders in a file root swaps a folder a data source names for a link to
 * the service's own files, and back, as fast as it can, while the service checks and opens that
 * folder's files again and again. Whatever the timing, nothing outside the roots is ever opened.
 */

/** Swaps `folder` for a link to `target` and back, in a process of its own, until killed; resolves once it swaps. */
async function swapper(folder: string, target: string): Promise<ChildProcess> {
  const script = `
    const fs = require('fs');
    const [folder, target] = process.argv.slice(1);
    const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.random() * ms);
    for (let i = 0; ; i++) {
      fs.renameSync(folder, folder + '.real');
      try {
        fs.symlinkSync(target, folder);
        pause(4);
        fs.unlinkSync(folder);
      } catch {
        // The service made the folder again meanwhile (a lake's root is created where missing): set aside.
        fs.renameSync(folder, folder + '.made-' + i);
      }
      fs.renameSync(folder + '.real', folder);
      pause(1);
      if (i === 0) process.stdout.write('swapping');
    }`;
  const child = spawn(process.execPath, ['-e', script, folder, target], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout!, 'data');
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the swapper ended early (${child.exitCode ?? child.signalCode})`);
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** The same call `times` times, while a swapper runs; the statuses seen. */
async function underSwaps<T>(folder: string, target: string, times: number, call: () => Promise<T>): Promise<T[]> {
  const child = await swapper(folder, target);
  const out: T[] = [];
  try {
    for (let i = 0; i < times; i++) out.push(await call());
  } finally {
    await stop(child);
  }
  return out;
}

describe('a folder swapped for a link between the check and the open', () => {
  let api: TestApi;
  const root = mkdtempSync(join(tmpdir(), 'openmms-swaps-'));

  beforeAll(async () => {
    api = await TestApi.start('sqlite', root, { runJobs: true });
  });
  afterAll(() => api?.close());

  it('never opens the metadata store as a SQLite source', async () => {
    const store = api.testStore.url.slice('sqlite:'.length);
    // In the folder the name leads to when checked: no database, so every honest open fails.
    mkdirSync(join(root, 'evil'));
    writeFileSync(join(root, 'evil', 'store.sqlite'), 'not a database');
    const body = { name: 'x', type: 'SQLITE', config: { source: { path: 'evil/store.sqlite' } } };
    const answers = await underSwaps(join(root, 'evil'), dirname(store), 300, async () => {
      const res = await api.call('POST', mms('/datasources/test'), body);
      return `${res.status} ${res.body.code ?? ''}`;
    });
    expect(answers.filter((a) => a.startsWith('200'))).toEqual([]);
    expect(answers.filter((a) => !/^400 (ConnectionFailed|InvalidPath)$/.test(a))).toEqual([]);
  });

  it('never opens another data source\'s private DuckDB destination as a DuckDB source', async () => {
    writeFileSync(join(root, 'plain.csv'), 'v\n1\n');
    const sqlite = join(root, 'one.sqlite');
    const { SqliteDatabase } = await import('../../src/store/sqlite-driver.js');
    new SqliteDatabase(sqlite).exec(`CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('secret')`);
    const { dataSourceId: id } = (await api.call('POST', mms('/datasources'), { name: 'victim', type: 'SQLITE', config: { source: { path: 'one.sqlite' } } })).body.data;
    await api.call('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
    await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'v', srcDbName: 'main' });
    await api.app.runner!.idle();
    const privateDir = join(api.serviceDir, 'destinations');
    expect(readdirSync(privateDir)).toContain(`source-${id}.duckdb`);
    mkdirSync(join(root, 'duck'));
    writeFileSync(join(root, 'duck', `source-${id}.duckdb`), 'not a database');
    const body = { name: 'x', type: 'DUCKDB', config: { source: { path: `duck/source-${id}.duckdb` } } };
    const answers = await underSwaps(join(root, 'duck'), privateDir, 200, async () => (await api.call('POST', mms('/datasources/test'), body)).status);
    expect(answers.filter((s) => s !== 400)).toEqual([]);
  });

  it('never writes, renames or deletes outside the lake it writes', async () => {
    const sentinel = mkdtempSync(join(tmpdir(), 'openmms-sentinel-'));
    mkdirSync(join(sentinel, 'w'));
    writeFileSync(join(sentinel, 'w', 'keep.txt'), 'keep');
    const { SqliteDatabase } = await import('../../src/store/sqlite-driver.js');
    new SqliteDatabase(join(root, 'w.sqlite')).exec(`CREATE TABLE w (v TEXT); INSERT INTO w VALUES ('x')`);
    mkdirSync(join(root, 'wlake'));
    const { dataSourceId: id } = (await api.call('POST', mms('/datasources'), { name: 'writer', type: 'SQLITE', config: { source: { path: 'w.sqlite' }, destination: { type: 'LAKE', path: 'wlake' } } })).body.data;
    await api.call('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
    await underSwaps(join(root, 'wlake'), sentinel, 25, async () => {
      await api.call('POST', mms(`/datasources/${id}/jobs`), { name: `w-${Math.random()}`, srcDbName: 'main', tables: ['w'], increment: false });
      await api.app.runner!.idle();
    });
    expect(readdirSync(sentinel)).toEqual(['w']);
    expect(readdirSync(join(sentinel, 'w'))).toEqual(['keep.txt']);
  });

  it('never scans a lake outside the roots', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'openmms-outside-'));
    const duck = await DuckDBInstance.create(':memory:');
    const c = await duck.connect();
    for (const [folder, table] of [[outside, 'secret'], [join(root, 'lake'), 'visible']] as const) {
      mkdirSync(join(folder, table), { recursive: true });
      await c.run(`COPY (SELECT 1 AS v) TO '${join(folder, table, 'part-0.parquet')}' (FORMAT parquet)`);
    }
    c.closeSync();
    duck.closeSync();
    const { dataSourceId: id } = (await api.call('POST', mms('/datasources'), { name: 'lake', type: 'LAKE', config: { source: { path: 'lake' } } })).body.data;
    const seen = await underSwaps(join(root, 'lake'), outside, 100, async () => {
      await api.call('POST', mms(`/datasources/${id}/scans`));
      await api.app.scans.idle();
      const tables = (await api.call('GET', mms(`/datasources/${id}/tables?pageSize=100`))).body.data.objectList as { name: string }[];
      return tables.map((t) => t.name);
    });
    expect(seen.flat().filter((t) => t !== 'visible')).toEqual([]);
  });
});
