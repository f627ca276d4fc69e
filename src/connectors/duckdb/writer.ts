import { randomUUID } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Connection } from '../engines.js';
import { otherTagsCondition, SLICE_COLUMN, sliceCondition, slicesCondition, tableAsNeeded, tagOf, type TableSchema, type BeforeCommit, type SliceKey, type CopyWatch, type DataColumn, type DestinationWriter, type Row, type SlicePair, type SliceProbe, type SourceReader } from '../data.js';
import { FALLBACK_SCRATCH, scratchFolder } from '../scratch.js';
import { csvCastExprs, csvLoadable, csvRefusal, readCsv, writeCsvFiles } from './csv-load.js';
import { duckProbe, openDuck, quoteIdent, quoteLiteral, type DuckSession } from './connect.js';
import { castExprs, duckdbType, stage } from './values.js';

/**
 * Writes a DuckDB file: rows are staged with the appender, then one transaction deletes the
 * slice's old rows and casts the staged ones into place.
 */
export class DuckdbWriter implements DestinationWriter {
  private constructor(
    private readonly duck: DuckSession,
    /** Where the CSV files of the fast path go (Connection.scratch). */
    private readonly scratch: string,
  ) {}

  static async open(conn: Connection): Promise<DuckdbWriter> {
    const duck = await openDuck(conn.path!, { readOnly: false, scratch: conn.scratch });
    await duck.all(`SET TimeZone = 'UTC'`);
    return new DuckdbWriter(duck, conn.scratch ?? FALLBACK_SCRATCH);
  }

  async ensureTable(db: string, table: string, columns: DataColumn[], partitioned: boolean, { alter = true }: TableSchema = {}): Promise<void> {
    const wanted = [...columns.map((c) => [c.name, duckdbType(c)] as const), ...(partitioned ? [[SLICE_COLUMN, 'VARCHAR'] as const] : [])];
    const columnsNow = () => this.duck.all<{ name: string }>(
      'SELECT column_name AS name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = $1 AND table_name = $2',
      [db, table],
    );
    if (!alter) return tableAsNeeded(`${db}.${table}`, new Set((await columnsNow()).map((h) => h.name)), wanted.map(([n]) => n));
    await this.duck.all(`CREATE SCHEMA IF NOT EXISTS ${this.duck.qualified(db)}`);
    const have = await columnsNow();
    const target = `${this.duck.qualified(db, table)}`;
    if (have.length === 0) {
      await this.duck.all(`CREATE TABLE ${target} (${wanted.map(([n, t]) => `${quoteIdent(n)} ${t}`).join(', ')})`);
      return;
    }
    const names = new Set(have.map((h) => h.name));
    for (const [n, t] of wanted) if (!names.has(n)) await this.duck.all(`ALTER TABLE ${target} ADD COLUMN ${quoteIdent(n)} ${t}`);
  }

  async replace(db: string, table: string, columns: DataColumn[], slice: SliceKey | null, rows: AsyncIterable<Row[]>, beforeCommit?: BeforeCommit): Promise<number> {
    const staged = `mms_stage_${randomUUID().replace(/-/g, '')}`;
    try {
      const n = await stage(this.duck.connection, staged, columns, rows, { table });
      await this.inTransaction(async () => {
        await this.swapIn(db, table, columns, castExprs(columns), slice, `temp.${quoteIdent(staged)}`);
        await beforeCommit?.(this.probe(db, table, slice));
      });
      return n;
    } finally {
      await this.duck.all(`DROP TABLE IF EXISTS temp.${quoteIdent(staged)}`);
    }
  }

  takesFrom(reader: SourceReader, columns: DataColumn[], _dstColumns: DataColumn[]): boolean {
    return !!reader.csvText && csvLoadable(columns);
  }

  /**
   * PostgreSQL's COPY CSV of each slice into a file, then DuckDB's own `read_csv` cast into place
   * (csv-load.ts), in one transaction: no value crosses JavaScript.
   */
  async replaceFrom(
    reader: SourceReader, from: { db: string; table: string }, slices: SlicePair[], db: string, table: string, columns: DataColumn[], dstColumns: DataColumn[], watch: CopyWatch, beforeCommit?: BeforeCommit,
  ): Promise<{ rows: number; bytes: number }> {
    if (!this.takesFrom(reader, columns, dstColumns)) throw new Error('replaceFrom: these columns cannot pass through');
    const dir = await scratchFolder(this.scratch, 'csv');
    try {
      const files = slices.map((_, i) => join(dir, `${i}.csv`));
      for (const [i, { slice }] of slices.entries()) await writeCsvFiles(reader.csvText!(from.db, from.table, columns, slice, watch.sourceRows), () => files[i]!, Infinity, watch, async () => {});
      const keys = slices.map((p) => p.key);
      const tags = keys.length > 1 && keys.every((k) => typeof k === 'string') ? (keys as string[]) : null;
      const rows = await this.inTransaction(async () => {
        // A batch of partitions: one DELETE and one INSERT from all their files, each row tagged by
        // its file's number (a statement per partition cost three times as much).
        let n = 0;
        if (tags) n = await this.swapInTagged(db, table, dstColumns, tags, files);
        else for (const [i, key] of keys.entries()) n += await this.swapIn(db, table, dstColumns, csvCastExprs(dstColumns), key, readCsv(files[i]!, dstColumns));
        await beforeCommit?.(keys.length > 1 && keys.every((k) => k !== null) ? this.probeBatch(db, table, keys as SliceKey[]) : this.probe(db, table, keys[0] ?? null));
        return n;
      }).catch((err: Error) => {
        throw csvRefusal(err);
      });
      const bytes = (await Promise.all(files.map((f) => stat(f)))).reduce((n, s) => n + s.size, 0);
      return { rows, bytes };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async inTransaction<T>(work: () => Promise<T>): Promise<T> {
    await this.duck.all('BEGIN TRANSACTION');
    try {
      const out = await work();
      await this.duck.all('COMMIT');
      return out;
    } catch (err) {
      await this.duck.all('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  /** Replaces a slice's rows (the whole table's for null) with `values` selected from `from`; the rows inserted. */
  private async swapIn(db: string, table: string, columns: DataColumn[], values: string[], slice: SliceKey | null, from: string): Promise<number> {
    const target = `${this.duck.qualified(db, table)}`;
    const tag = tagOf(slice);
    const names = [...columns.map((c) => quoteIdent(c.name)), ...(tag === null ? [] : [quoteIdent(SLICE_COLUMN)])];
    await this.duck.all(`DELETE FROM ${this.rowsOf(db, table, slice)}`);
    const [inserted] = await this.duck.all<{ Count: bigint }>(`INSERT INTO ${target} (${names.join(', ')}) SELECT ${[...values, ...(tag === null ? [] : [quoteLiteral(tag)])].join(', ')} FROM ${from}`);
    return Number(inserted?.Count ?? 0);
  }

  /** Replaces the rows of partitions tagged `tags` with those of `files` (the i-th file's tagged tags[i]); the rows inserted. */
  private async swapInTagged(db: string, table: string, columns: DataColumn[], tags: string[], files: string[]): Promise<number> {
    const target = this.duck.qualified(db, table);
    await this.duck.all(`DELETE FROM ${target} WHERE ${slicesCondition(tags, quoteIdent, quoteLiteral)}`);
    const tag = `[${tags.map(quoteLiteral).join(', ')}][CAST(regexp_extract(filename, '(\\d+)\\.csv$', 1) AS INTEGER) + 1]`;
    const names = [...columns.map((c) => quoteIdent(c.name)), quoteIdent(SLICE_COLUMN)];
    const [inserted] = await this.duck.all<{ Count: bigint }>(`INSERT INTO ${target} (${names.join(', ')}) SELECT ${[...csvCastExprs(columns), tag].join(', ')} FROM ${readCsv(files, columns)}`);
    return Number(inserted?.Count ?? 0);
  }

  /** A slice's rows (the whole table's for null) as a FROM item. */
  private rowsOf(db: string, table: string, slice: SliceKey | null): string {
    return `${this.duck.qualified(db, table)}${slice === null ? '' : ` WHERE ${sliceCondition(slice, quoteIdent, quoteLiteral)}`}`;
  }

  probe(db: string, table: string, slice: SliceKey | null): SliceProbe {
    return duckProbe(this.duck, this.rowsOf(db, table, slice));
  }

  probeBatch(db: string, table: string, keys: SliceKey[]): SliceProbe {
    return duckProbe(this.duck, `${this.duck.qualified(db, table)} WHERE ${slicesCondition(keys, quoteIdent, quoteLiteral)}`);
  }

  async removeOtherTags(db: string, table: string, keep: string[]): Promise<void> {
    await this.duck.all(`DELETE FROM ${this.duck.qualified(db, table)} WHERE ${otherTagsCondition(keep, quoteIdent, quoteLiteral)}`);
  }

  async count(db: string, table: string, slice: SliceKey | null): Promise<number> {
    const [r] = await this.duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${this.rowsOf(db, table, slice)}`);
    return Number(r!.n);
  }

  async close(): Promise<void> {
    this.duck.close();
  }
}
