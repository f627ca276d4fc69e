import { existsSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { SqliteDatabase } from '../../store/sqlite-driver.js';
import type { Connection } from '../engines.js';
import { openChecked } from '../open-file.js';
import { ConnectionError, type ColumnMeta, type PartitionMeta, type SourceCatalog, type TableMeta } from '../connector.js';
import { fingerprint } from '../fingerprint.js';
import { cutStep, evenBounds } from '../cuts.js';
import type { Cuts } from '../data.js';
import { formatLogical } from '../types/logical.js';
import { fromSqlite } from './types.js';
import { quoteIdent } from '../sql.js';

export { quoteIdent } from '../sql.js';

/**
 * A per-row checksum SQLite itself lacks, registered as a SQL function: the CRC32 of the row's
 * values with their storage classes, so 1, 1.0 and '1' differ.
 */
function registerRowHash(db: SqliteDatabase): void {
  db.function('openmms_row_crc', { varargs: true, deterministic: true }, (...values: unknown[]) =>
    crc32(JSON.stringify(values.map((v) => (Buffer.isBuffer(v) ? ['b', v.toString('base64')] : [typeof v, typeof v === 'bigint' ? String(v) : v])))),
  );
}

/** A first read: SQLite opens a database's WAL and shared memory with it, within the checked open (connectors/open-file.ts). */
export const firstRead = (db: SqliteDatabase) => db.prepare('SELECT count(*) FROM sqlite_schema').get();

/**
 * How a SQLite file is opened through openChecked: read once; and `shared`, as SQLite keeps one
 * file per database among a process's connections (a connection closed while another holds a lock
 * leaves its descriptor open, and the next open of that file takes it over, holding none of its own).
 */
export const CHECKED_OPEN = { warm: firstRead, shared: true };

/** SQLite catalog: one database, `main`; tables have no partitions. Opened read-only. */
export class SqliteCatalog implements SourceCatalog {
  private constructor(private readonly db: SqliteDatabase) {}

  static async open(conn: Connection): Promise<SqliteCatalog> {
    const path = conn.path!;
    if (!existsSync(path)) throw new ConnectionError(`SQLite file ${path} does not exist`);
    try {
      const db = await openChecked(path, () => new SqliteDatabase(path, { readonly: true, fileMustExist: true }), (d) => d.close(), CHECKED_OPEN);
      db.defaultSafeIntegers(true);
      registerRowHash(db);
      return new SqliteCatalog(db);
    } catch (err) {
      if (err instanceof ConnectionError) throw err;
      throw new ConnectionError(`cannot open SQLite file ${path}: ${(err as Error).message}`);
    }
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async databases(): Promise<string[]> {
    return ['main'];
  }

  async tables(db: string, only?: string[]): Promise<TableMeta[]> {
    if (db !== 'main') return [];
    const tables = this.db
      .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`)
      .all() as { name: string }[];
    const out: TableMeta[] = [];
    for (const { name } of tables) {
      if (only && !only.includes(name)) continue;
      const info = this.db.prepare(`SELECT name, type, "notnull" AS nn, pk FROM pragma_table_info(?) ORDER BY cid`).all(name) as { name: string; type: string; nn: bigint; pk: bigint }[];
      const columns: ColumnMeta[] = info.map((c) => ({ name: c.name, nativeType: c.type, type: formatLogical(fromSqlite(c.type)), nullable: c.nn === 0n, comment: null }));
      const args = columns.map((c) => quoteIdent(c.name)).join(', ');
      // An INTEGER PRIMARY KEY is the rowid itself: the one key SQLite keeps each value of once, never NULL.
      const pk = info.filter((c) => c.pk > 0n);
      const key = pk.length === 1 && /^integer$/i.test(pk[0]!.type) ? pk[0]!.name : null;
      const bounds = key === null ? 'NULL AS lo, NULL AS hi' : `CAST(min(${quoteIdent(key)}) AS TEXT) AS lo, CAST(max(${quoteIdent(key)}) AS TEXT) AS hi`;
      const stats = this.db.prepare(`SELECT count(*) AS n, total(openmms_row_crc(${args})) AS h, ${bounds} FROM ${quoteIdent(name)}`).get() as { n: bigint; h: number; lo: string | null; hi: string | null };
      out.push({
        name, comment: null, columns, partitionColumns: [], rows: Number(stats.n), size: this.tableSize(name), lastModified: null, fingerprint: fingerprint(columns, String(stats.n), stats.h),
        ...(key !== null && { chunkKey: { column: key, min: stats.lo, max: stats.hi } }),
      });
    }
    return out;
  }

  async *partitions(): AsyncIterable<PartitionMeta[]> {}

  /**
   * A rowid table without an INTEGER PRIMARY KEY is cut by its rowids, in ranges of equal width: a
   * row keeps its rowid when updated. Not a WITHOUT ROWID table, nor one whose own column hides
   * the rowid's name.
   */
  async cuts(_db: string, table: TableMeta): Promise<Cuts | null> {
    if (cutStep(table.rows) === null || table.columns.some((c) => /^rowid$/i.test(c.name))) return null;
    let r: { lo: bigint | null; hi: bigint | null };
    try {
      r = this.db.prepare(`SELECT min(rowid) AS lo, max(rowid) AS hi FROM ${quoteIdent(table.name)}`).get() as typeof r;
    } catch {
      return null; // WITHOUT ROWID
    }
    const bounds = r.lo === null || r.hi === null ? [] : evenBounds(r.lo, r.hi, table.rows);
    return bounds.length ? { by: 'rowid', column: 'rowid', bounds, rows: table.rows } : null;
  }

  /** Bytes of the table's pages, where SQLite was built with the dbstat table; 0 where not. */
  private tableSize(name: string): number {
    try {
      return Number(this.db.prepare('SELECT sum(pgsize) FROM dbstat WHERE name = ?').pluck().get(name) ?? 0);
    } catch {
      return 0;
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
