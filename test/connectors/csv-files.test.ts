import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCsvFiles } from '../../src/connectors/duckdb/csv-load.js';
import { duckdbRows } from '../support/duckdb-read.js';
import { createPgDatabase } from '../support/stores.js';

/**
 * PostgreSQL's CSV cut into files of n rows as it streams (the lake's fast path): texts holding
 * newlines, CRs, quotes, doubled quotes and commas, empty texts and NULLs, in chunks cut at every
 * byte, at random and whole. PostgreSQL writes the CSV and DuckDB's read_csv counts each file's
 * rows: the cuts are row boundaries when each file reads as whole rows and together as every row.
 */
describe('CSV cut into files of n rows', () => {
  let pg: Awaited<ReturnType<typeof createPgDatabase>>;
  let csv: Buffer;
  const ROWS = 97;

  beforeAll(async () => {
    pg = await createPgDatabase('openmms_csv_files');
    const texts = `ARRAY[E'line\\nbreak', E'cr\\r\\nlf', '"', '""', 'a,"b",c', '', E'\\n', E'"\\n"', 'plain', E'end"\\n']`;
    csv = execFileSync('psql', [pg.url, '-qAtX', '-c', `COPY (SELECT g, (${texts})[1 + g % 10], CASE WHEN g % 7 = 0 THEN NULL ELSE g::text END, ('{"k": "' || g || E'\\\\n\\\\"x"}')::jsonb FROM generate_series(1, ${ROWS}) g) TO STDOUT WITH (FORMAT csv)`]);
  });
  afterAll(async () => {
    await pg?.drop();
  });

  const chunked = (sizes: () => number) => (async function* () {
    for (let at = 0; at < csv.length; ) {
      const n = Math.max(1, sizes());
      yield csv.subarray(at, at + n);
      at += n;
    }
  })();
  const rowsOf = async (file: string) => Number((await duckdbRows(`SELECT count(*) FROM read_csv('${file}', header = false, quote = '"', escape = '"', new_line = '\\n', auto_detect = false, columns = {'a': 'VARCHAR', 'b': 'VARCHAR', 'c': 'VARCHAR', 'd': 'VARCHAR'})`))[0]![0]);

  it.each([
    ['one byte at a time', () => 1],
    ['at random', () => Math.floor(Math.random() * 40)],
    ['whole', () => Infinity],
  ])('%s: every file holds n rows (the last the rest), and together the whole CSV', async (_, sizes) => {
    for (const n of [1, 4, ROWS, 200]) {
      const dir = mkdtempSync(join(tmpdir(), 'openmms-csv-files-'));
      const done: number[] = [];
      let seen = 0;
      const watch = { signal: new AbortController().signal, progress: (rows: number) => void (seen += rows) };
      const total = await writeCsvFiles(chunked(sizes), (i) => join(dir, `${i}.csv`), n, watch, async (i) => void done.push(i));
      const files = Array.from({ length: Math.ceil(ROWS / n) }, (_, i) => join(dir, `${i}.csv`));
      expect([total, seen, done, readdirSync(dir).length]).toEqual([ROWS, ROWS, files.map((_, i) => i), files.length]);
      expect(Buffer.concat(files.map((f) => readFileSync(f))).equals(csv)).toBe(true);
      const counts = await Promise.all(files.map(rowsOf));
      expect(counts).toEqual(files.map((_, i) => Math.min(n, ROWS - i * n)));
    }
  });

  it('an empty stream gives one empty file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openmms-csv-files-'));
    const watch = { signal: new AbortController().signal, progress: () => {} };
    expect(await writeCsvFiles((async function* () {})(), (i) => join(dir, `${i}.csv`), 5, watch, async () => {})).toBe(0);
    expect(readdirSync(dir).map((f) => readFileSync(join(dir, f)).length)).toEqual([0]);
  });
});
