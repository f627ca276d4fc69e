import { join } from 'node:path';
import type { Connection } from '../engines.js';
import type { DataColumn, Row, Slice, SliceProbe, SourceReader, Value } from '../data.js';
import { duckProbe, openDuck, quoteIdent, quoteLiteral, type DuckSession } from '../duckdb/connect.js';
import { readExpr, streamRows } from '../duckdb/values.js';
import type { LogicalType } from '../types/logical.js';
import { dbFolder, folderFiles } from './layout.js';
import { filePosition } from '../cuts.js';
import { pinFolder, type PinnedFolder } from '../pinned.js';

/** A partition value from a folder name, as the Value of the partition column's type. */
function folderValue(text: string, t: LogicalType): Value {
  return t.kind === 'int64' ? BigInt(text) : text;
}

/** Only partition columns the files lack come from the folder names (see LakeCatalog). */
const folderValues = (columns: DataColumn[], slice: Slice | null) =>
  new Map((slice?.spec ?? []).filter(([k]) => columns.some((c) => c.name === k && c.native === 'folder')));

/**
 * Reads the Parquet files of one partition folder (or of an unpartitioned table folder) with
 * DuckDB; partition columns, which Hive keeps in folder names, come from the slice.
 */
export class LakeReader implements SourceReader {
  private constructor(
    private readonly pinned: PinnedFolder,
    private readonly duck: DuckSession,
  ) {}

  /** The lake's folder, pinned (connectors/pinned.ts): what is read is below the folder checked. */
  private get root(): string {
    return this.pinned.path;
  }

  static async open(conn: Connection): Promise<LakeReader> {
    const root = pinFolder(conn.path!);
    try {
      const duck = await openDuck(':memory:', { readOnly: false, scratch: conn.scratch });
      await duck.all(`SET TimeZone = 'UTC'`);
      return new LakeReader(root, duck);
    } catch (err) {
      root.close();
      throw err;
    }
  }

  async *read(db: string, table: string, columns: DataColumn[], slice: Slice | null): AsyncIterable<Row[]> {
    const from = this.from(db, table, slice);
    if (from === null) return;
    const fromFolder = folderValues(columns, slice);
    const fileColumns = columns.filter((c) => !fromFolder.has(c.name));
    const exprs = fileColumns.length ? fileColumns.map((c) => readExpr(c.name, c.type)) : ['1'];
    for await (const batch of streamRows(this.duck.connection, `SELECT ${exprs.join(', ')} FROM ${from}`)) {
      yield batch.map((fileRow) => {
        let i = 0;
        return columns.map((c) => (fromFolder.has(c.name) ? folderValue(fromFolder.get(c.name)!, c.type) : fileRow[i++]!));
      });
    }
  }

  /** The slice's files, with the partition columns they lack as the folder names' values. */
  probe(db: string, table: string, columns: DataColumn[], slice: Slice | null): SliceProbe {
    // A cut chunk whose files are all gone: the table's columns, no rows.
    const files = this.from(db, table, slice) ?? `(SELECT * FROM ${this.from(db, table, null)} LIMIT 0)`;
    const extra = [...folderValues(columns, slice)].map(([name, text]) => {
      const type = columns.find((c) => c.name === name)!.type.kind === 'int64' ? 'BIGINT' : 'VARCHAR';
      return `, CAST(${quoteLiteral(text)} AS ${type}) AS ${quoteIdent(name)}`;
    });
    return duckProbe(this.duck, extra.length ? `(SELECT *${extra.join('')} FROM ${files}) AS slice` : files);
  }

  /** Rows: from the Parquet footers, which hold exact counts; a cut chunk's by its row numbers. */
  async count(db: string, table: string, slice: Slice | null): Promise<number> {
    const from = this.from(db, table, slice);
    if (from === null) return 0;
    const sql = slice?.cut ? `SELECT count(*) AS n FROM ${from}` : `SELECT sum(num_rows) AS n FROM parquet_file_metadata(${quoteLiteral(join(this.folder(db, table, slice), '*.parquet'))})`;
    const [r] = await this.duck.all<{ n: bigint | null }>(sql);
    return Number(r?.n ?? 0);
  }

  private folder(db: string, table: string, slice: Slice | null): string {
    return join(dbFolder(this.root, db), table, slice?.location ?? '');
  }

  /**
   * The slice's rows as a FROM item: its folder's files; or a cut chunk's, from its first file's
   * row to its last one's (null: none left), the files between whole.
   */
  private from(db: string, table: string, slice: Slice | null): string | null {
    const folder = this.folder(db, table, slice);
    const parquet = (files: string[], where = '') => `(SELECT * EXCLUDE (file_row_number) FROM read_parquet([${files.map((f) => quoteLiteral(join(folder, f))).join(', ')}], hive_partitioning = false, file_row_number = true)${where})`;
    const cut = slice?.cut;
    if (!cut) return `read_parquet(${quoteLiteral(join(folder, '*.parquet'))}, hive_partitioning = false)`;
    const [lo, hi] = [cut.lo, cut.hi].map((b) => (b === null ? null : filePosition(b)));
    const files = folderFiles(folder).filter((f) => (!lo || f >= lo.file) && (!hi || f < hi.file || (f === hi.file && hi.row > 0)));
    const rows = (f: string) => [lo?.file === f && lo.row > 0 ? `file_row_number >= ${lo.row}` : null, hi?.file === f ? `file_row_number < ${hi.row}` : null].filter((c) => c !== null);
    const whole = files.filter((f) => rows(f).length === 0);
    const parts = [...(whole.length ? [parquet(whole)] : []), ...files.filter((f) => rows(f).length > 0).map((f) => parquet([f], ` WHERE ${rows(f).join(' AND ')}`))];
    return parts.length ? `(${parts.join(' UNION ALL ')}) AS cut` : null;
  }

  async close(): Promise<void> {
    this.duck.close();
    this.pinned.close();
  }
}
