import { join } from 'node:path';
import type { Connection } from '../engines.js';
import type { DataColumn, Row, Slice, SliceProbe, SourceReader, Value } from '../data.js';
import { duckProbe, openDuck, quoteIdent, quoteLiteral, type DuckSession } from '../duckdb/connect.js';
import { readExpr, streamRows } from '../duckdb/values.js';
import type { LogicalType } from '../types/logical.js';
import { dbFolder, folderFiles } from './layout.js';
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
    const files = this.files(db, table, slice);
    if (files === null) return;
    const fromFolder = folderValues(columns, slice);
    const fileColumns = columns.filter((c) => !fromFolder.has(c.name));
    const exprs = fileColumns.length ? fileColumns.map((c) => readExpr(c.name, c.type)) : ['1'];
    const sql = `SELECT ${exprs.join(', ')} FROM read_parquet(${files}, hive_partitioning = false)`;
    for await (const batch of streamRows(this.duck.connection, sql)) {
      yield batch.map((fileRow) => {
        let i = 0;
        return columns.map((c) => (fromFolder.has(c.name) ? folderValue(fromFolder.get(c.name)!, c.type) : fileRow[i++]!));
      });
    }
  }

  /** The slice's files, with the partition columns they lack as the folder names' values. */
  probe(db: string, table: string, columns: DataColumn[], slice: Slice | null): SliceProbe {
    const list = this.files(db, table, slice);
    // A cut chunk whose files are all gone: the table's columns, no rows.
    const files = list === null ? `(SELECT * FROM read_parquet(${quoteLiteral(join(this.folder(db, table, null), '*.parquet'))}, hive_partitioning = false) LIMIT 0)` : `read_parquet(${list}, hive_partitioning = false)`;
    const extra = [...folderValues(columns, slice)].map(([name, text]) => {
      const type = columns.find((c) => c.name === name)!.type.kind === 'int64' ? 'BIGINT' : 'VARCHAR';
      return `, CAST(${quoteLiteral(text)} AS ${type}) AS ${quoteIdent(name)}`;
    });
    return duckProbe(this.duck, extra.length ? `(SELECT *${extra.join('')} FROM ${files}) AS slice` : files);
  }

  /** Rows from the Parquet footers, which hold exact counts. */
  async count(db: string, table: string, slice: Slice | null): Promise<number> {
    const files = this.files(db, table, slice);
    if (files === null) return 0;
    const [r] = await this.duck.all<{ n: bigint | null }>(`SELECT sum(num_rows) AS n FROM parquet_file_metadata(${files})`);
    return Number(r?.n ?? 0);
  }

  private folder(db: string, table: string, slice: Slice | null): string {
    return join(dbFolder(this.root, db), table, slice?.location ?? '');
  }

  /** The slice's files as DuckDB takes them: its folder's, or a cut chunk's list of them (null: none). */
  private files(db: string, table: string, slice: Slice | null): string | null {
    const folder = this.folder(db, table, slice);
    const cut = slice?.cut;
    if (!cut) return quoteLiteral(join(folder, '*.parquet'));
    const names = folderFiles(folder).filter((n) => (cut.lo === null || n >= cut.lo) && (cut.hi === null || n < cut.hi));
    return names.length ? `[${names.map((n) => quoteLiteral(join(folder, n))).join(', ')}]` : null;
  }

  async close(): Promise<void> {
    this.duck.close();
    this.pinned.close();
  }
}
