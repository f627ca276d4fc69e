import { existsSync } from 'node:fs';
import { SqliteDatabase } from '../../store/sqlite-driver.js';
import type { Connection } from '../engines.js';
import { ConnectionError } from '../connector.js';
import { openChecked } from '../open-file.js';
import { firstRead } from './catalog.js';
import { READ_BATCH, SLICE_COLUMN, type DataColumn, type DestinationWriter, type Row, type Slice, type SliceProbe, type SourceReader } from '../data.js';
import { quoteLiteral } from '../sql.js';
import { fromSqlite, StorageClassMismatch, toSqliteValue } from './values.js';
import { quoteIdent } from './catalog.js';
import { toSqlite } from './types.js';

async function open(path: string, readonly: boolean): Promise<SqliteDatabase> {
  if (readonly && !existsSync(path)) throw new ConnectionError(`SQLite file ${path} does not exist`);
  const db = await openChecked(path, () => new SqliteDatabase(path, { readonly, fileMustExist: readonly }), (d) => d.close(), { warm: firstRead });
  db.defaultSafeIntegers(true);
  if (!readonly) db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000'); // another process (a reader, a worker) holding the file: wait, do not fail
  return db;
}

/** A slice's rows for verification, with the JavaScript functions it brings. */
function sqliteProbe(db: SqliteDatabase, table: string, slice: string | null): SliceProbe {
  return {
    dialect: 'sqlite',
    from: `${quoteIdent(table)}${slice === null ? '' : ` WHERE ${quoteIdent(SLICE_COLUMN)} = ${quoteLiteral(slice)}`}`,
    query: async (sql) => db.prepare(sql).raw(true).all() as unknown[][],
    define(functions) {
      for (const [name, fn] of Object.entries(functions)) db.function(name, { deterministic: true, safeIntegers: true }, fn);
    },
  };
}

/** Reads a SQLite table (SQLite tables have no partitions), in batches, inside one read transaction. */
export class SqliteReader implements SourceReader {
  private constructor(private readonly db: SqliteDatabase) {}

  static async open(conn: Connection): Promise<SqliteReader> {
    return new SqliteReader(await open(conn.path!, true));
  }

  async *read(_db: string, table: string, columns: DataColumn[], slice: Slice | null): AsyncIterable<Row[]> {
    const where = slice?.column ? ` WHERE ${quoteIdent(slice.column)} = ?` : '';
    const stmt = this.db.prepare(`SELECT ${columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${quoteIdent(table)}${where}`).raw(true);
    this.db.exec('BEGIN');
    try {
      let batch: Row[] = [];
      let n = 0;
      for (const r of stmt.iterate(...(slice?.column ? [slice.value] : [])) as Iterable<unknown[]>) {
        n++;
        batch.push(
          r.map((v, i) => {
            try {
              return fromSqlite(v, columns[i]!.type);
            } catch (err) {
              if (!(err instanceof StorageClassMismatch)) throw err;
              throw new StorageClassMismatch(`SQLite table '${table}', column '${columns[i]!.name}', row ${n}: ${err.message}; the table was not copied`);
            }
          }),
        );
        if (batch.length >= READ_BATCH) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length) yield batch;
    } finally {
      this.db.exec('COMMIT');
    }
  }

  probe(_db: string, table: string, _columns: DataColumn[], slice: Slice | null): SliceProbe {
    return sqliteProbe(this.db, table, slice?.column ? slice.value : null);
  }

  async count(_db: string, table: string): Promise<number> {
    return Number(this.db.prepare(`SELECT count(*) FROM ${quoteIdent(table)}`).pluck().get());
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** Writes a SQLite file; a slice is replaced inside one write transaction. */
export class SqliteWriter implements DestinationWriter {
  private constructor(private readonly db: SqliteDatabase) {}

  static async open(conn: Connection): Promise<SqliteWriter> {
    return new SqliteWriter(await open(conn.path!, false));
  }

  async ensureTable(_db: string, table: string, columns: DataColumn[], partitioned: boolean): Promise<void> {
    const wanted = [...columns.map((c) => [c.name, toSqlite(c.type)] as const), ...(partitioned ? [[SLICE_COLUMN, 'TEXT'] as const] : [])];
    const have = this.db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[];
    if (have.length === 0) {
      this.db.exec(`CREATE TABLE ${quoteIdent(table)} (${wanted.map(([n, t]) => `${quoteIdent(n)} ${t}`).join(', ')})`);
      if (partitioned) this.db.exec(`CREATE INDEX ${quoteIdent(`${table}_${SLICE_COLUMN}`)} ON ${quoteIdent(table)} (${quoteIdent(SLICE_COLUMN)})`);
      return;
    }
    for (const [n, t] of wanted) if (!have.includes(n)) this.db.exec(`ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${quoteIdent(n)} ${t}`);
  }

  async replace(_db: string, table: string, columns: DataColumn[], slice: string | null, rows: AsyncIterable<Row[]>): Promise<number> {
    const names = [...columns.map((c) => quoteIdent(c.name)), ...(slice === null ? [] : [quoteIdent(SLICE_COLUMN)])];
    const insert = this.db.prepare(`INSERT INTO ${quoteIdent(table)} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`);
    let written = 0;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      if (slice === null) this.db.prepare(`DELETE FROM ${quoteIdent(table)}`).run();
      else this.db.prepare(`DELETE FROM ${quoteIdent(table)} WHERE ${quoteIdent(SLICE_COLUMN)} = ?`).run(slice);
      for await (const batch of rows) {
        for (const r of batch) insert.run(...r.map(toSqliteValue), ...(slice === null ? [] : [slice]));
        written += batch.length;
      }
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
    return written;
  }

  probe(_db: string, table: string, slice: string | null): SliceProbe {
    return sqliteProbe(this.db, table, slice);
  }

  async count(_db: string, table: string, slice: string | null): Promise<number> {
    const where = slice === null ? '' : ` WHERE ${quoteIdent(SLICE_COLUMN)} = ?`;
    return Number(this.db.prepare(`SELECT count(*) FROM ${quoteIdent(table)}${where}`).pluck().get(...(slice === null ? [] : [slice])));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
