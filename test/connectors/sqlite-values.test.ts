import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logicalType, openCatalog, openReader, openWriter } from '../../src/connectors/index.js';
import type { DataColumn } from '../../src/connectors/data.js';
import { scalar } from '../../src/connectors/types/logical.js';
import { collect } from '../support/rows.js';
import { mms, TestApi } from '../support/api.js';

const dir = mkdtempSync(join(tmpdir(), 'openmms-sqlite-values-'));

/** The columns of `table` as a job would read them (types from the catalog). */
async function columnsOf(file: string, table: string): Promise<DataColumn[]> {
  const cat = await openCatalog('SQLITE', { path: file });
  const [meta] = await cat.tables('main', [table]);
  await cat.close();
  return meta!.columns.map((c) => ({ name: c.name, type: logicalType('SQLITE', c) }));
}

async function readAll(file: string, table: string) {
  const reader = await openReader('SQLITE', { path: file });
  try {
    return await collect(reader.read('main', table, await columnsOf(file, table), null));
  } finally {
    await reader.close();
  }
}

describe('the SQLite reader keeps every value or refuses it, never guesses', () => {
  const file = join(dir, 'mixed.sqlite');
  beforeAll(() => {
    const db = new SqliteDatabase(file);
    db.exec(`CREATE TABLE fine (b BOOLEAN, i INTEGER, r REAL, t TEXT, x BLOB, d DECIMAL(10,2));
             INSERT INTO fine VALUES (1, 2.0, 3, 42, x'00ff00', 1.5), (0, -9223372036854775808, 'NaN', x'e2828c', x'', '1.25'), (NULL, NULL, NULL, 1.25, NULL, 7);`);
    for (const [name, decl, value] of [
      ['bool_text', 'BOOLEAN', "'false'"], ['bool_two', 'BOOLEAN', '2'], ['bool_half', 'BOOLEAN', '0.5'], ['bool_yes', 'BOOLEAN', "'yes'"],
      ['real_text', 'REAL', "'abc'"], ['int_real', 'INTEGER', '1.5'], ['int_text', 'INTEGER', "'12 apples'"],
      ['text_blob', 'TEXT', "x'ff00fe'"], ['blob_text', 'BLOB', "'text'"], ['real_blob', 'REAL', "x'00'"],
    ]) db.exec(`CREATE TABLE ${name} (id INTEGER, v ${decl}); INSERT INTO ${name} VALUES (1, NULL), (2, ${value});`);
    db.close();
  });

  it('maps what maps exactly', async () => {
    expect(await readAll(file, 'fine')).toEqual([
      [true, 2n, 3, '42', Buffer.from([0, 255, 0]), '1.5'],
      [false, -9223372036854775808n, Number.NaN, '₌', Buffer.alloc(0), '1.25'],
      [null, null, null, '1.25', null, '7'],
    ]);
  });

  it.each([
    ['bool_text', "the TEXT 'false' is not a boolean value (SQLite booleans are 0 and 1)"],
    ['bool_two', 'the INTEGER 2 is not a boolean value'],
    ['bool_half', 'the REAL 0.5 is not a boolean value'],
    ['bool_yes', "the TEXT 'yes' is not a boolean value"],
    ['real_text', "the TEXT 'abc' is not a float64 value"],
    ['int_real', 'the REAL 1.5 is not a int64 value'],
    ['int_text', "the TEXT '12 apples' is not a int64 value"],
    ['text_blob', "the value x'ff00fe' is not UTF-8 text, which a string column holds (SQLite stores TEXT bytes unchecked)"],
    ['blob_text', "the TEXT 'text' is not a binary value"],
    ['real_blob', 'a BLOB of 1 bytes is not a float64 value'],
  ])('refuses %s, naming the table, column and row', async (table, reason) => {
    await expect(readAll(file, table)).rejects.toThrow(`SQLite table '${table}', column 'v', row 2: ${reason}`);
  });

  it('stores NaN and -0 so that they come back as themselves, not NULL and 0', async () => {
    const out = join(dir, 'nan.sqlite');
    const columns = [{ name: 'f', type: scalar('float64') }];
    const writer = await openWriter('SQLITE', { path: out });
    await writer.ensureTable('main', 'n', columns, false);
    await writer.replace('main', 'n', columns, null, (async function* () { yield [[Number.NaN], [Number.POSITIVE_INFINITY], [-0], [5e-324]]; })());
    await writer.close();
    const back = await readAll(out, 'n');
    expect(back.map((r) => Object.is(r[0], -0) ? '-0' : String(r[0]))).toEqual(['NaN', 'Infinity', '-0', '5e-324']);
  });
});

describe('a SQLite table with a value that does not fit its column', () => {
  let api: TestApi;
  beforeAll(async () => {
    new SqliteDatabase(join(dir, 'job.sqlite')).exec(`CREATE TABLE flags (id INTEGER, ok BOOLEAN); INSERT INTO flags VALUES (1, 1), (2, 'false')`);
    api = await TestApi.start('sqlite', dir, { runJobs: true });
  });
  afterAll(() => api?.close());

  it('fails its task with the reason instead of copying true', async () => {
    const { dataSourceId: id } = (await api.call('POST', mms('/datasources'), { name: 'flags', type: 'SQLITE', config: { source: { path: 'job.sqlite' } } })).body.data;
    await api.call('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
    const { jobId } = (await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'flags', srcDbName: 'main' })).body.data;
    await api.app.runner!.idle();
    expect((await api.call('GET', mms(`/datasources/${id}/jobs/${jobId}`))).body.data.status).toBe('FAILED');
    const [task] = (await api.call('GET', mms(`/datasources/${id}/tasks?jobId=${jobId}`))).body.data.objectList;
    expect(task.errMsg).toBe("SQLite table 'flags', column 'ok', row 2: the TEXT 'false' is not a boolean value (SQLite booleans are 0 and 1); the table was not copied");
  });
});
