import { existsSync } from 'node:fs';
import { SqliteDatabase } from '../../store/sqlite-driver.js';
import type { Connection } from '../engines.js';
import { ConnectionError } from '../connector.js';
import { openChecked } from '../open-file.js';
import { CHECKED_OPEN, firstRead } from './catalog.js';
import { keyIndexName, otherTagsCondition, READ_BATCH, readCondition, SLICE_COLUMN, sliceCondition, tableAsNeeded, tagOf, type TableSchema, type BeforeCommit, type SliceKey, type DataColumn, type DestinationWriter, type Row, type Slice, type SliceProbe, type SourceReader } from '../data.js';
import { quoteLiteral } from '../sql.js';
import { fromSqlite, readsTextBytes, StorageClassMismatch, toSqliteValue } from './values.js';
import { quoteIdent } from './catalog.js';
import { toSqlite } from './types.js';

async function open(path: string, readonly: boolean): Promise<SqliteDatabase> {
  if (readonly && !existsSync(path)) throw new ConnectionError(`SQLite file ${path} does not exist`);
  const db = await openChecked(path, () => new SqliteDatabase(path, { readonly, fileMustExist: readonly }), (d) => d.close(), CHECKED_OPEN);
  db.defaultSafeIntegers(true);
  if (!readonly) db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000'); // another process (a reader, a worker) holding the file: wait, do not fail
  return db;
}

/** A destination slice's rows (the whole table's for null) as a FROM item. */
const rowsOf = (table: string, slice: SliceKey | null) => `${quoteIdent(table)}${slice === null ? '' : ` WHERE ${sliceCondition(slice, quoteIdent, quoteLiteral)}`}`;

/** A source slice's rows as a FROM item (SQLite tables have no partitions: a chunk, or a destination slice read back). */
const readFrom = (table: string, slice: Slice | null) => {
  const where = readCondition(slice, quoteIdent, quoteLiteral);
  return `${quoteIdent(table)}${where === null ? '' : ` WHERE ${where}`}`;
};

/** Rows (`from`, a FROM item) for verification, with the JavaScript functions it brings. */
function sqliteProbe(db: SqliteDatabase, from: string): SliceProbe {
  return {
    dialect: 'sqlite',
    from,
    query: async (sql) => db.prepare(sql).raw(true).all() as unknown[][],
    define(functions) {
      for (const [name, fn] of Object.entries(functions)) db.function(name, { deterministic: true, safeIntegers: true }, fn);
    },
  };
}

/**
 * Reads a SQLite table (SQLite tables have no partitions), in batches. Everything a reader reads is
 * read in one read transaction held for its life: one snapshot of the file.
 */
export class SqliteReader implements SourceReader {
  private constructor(
    private readonly db: SqliteDatabase,
    /** A UTF-8 file: its TEXT values' bytes are their UTF-8 (readsTextBytes); a UTF-16 one converts them itself. */
    private readonly utf8: boolean,
  ) {}

  static async open(conn: Connection): Promise<SqliteReader> {
    const db = await open(conn.path!, true);
    db.exec('BEGIN');
    firstRead(db); // the transaction's snapshot starts at its first read
    return new SqliteReader(db, db.pragma('encoding', { simple: true }) === 'UTF-8');
  }

  async *read(_db: string, table: string, columns: DataColumn[], slice: Slice | null): AsyncIterable<Row[]> {
    const select = columns.map((c) => {
      const col = quoteIdent(c.name);
      return this.utf8 && readsTextBytes(c.type) ? `CASE WHEN typeof(${col}) = 'text' THEN CAST(${col} AS BLOB) ELSE ${col} END` : col;
    });
    const stmt = this.db.prepare(`SELECT ${select.join(', ')} FROM ${readFrom(table, slice)}`).raw(true);
    let batch: Row[] = [];
    let n = 0;
    for (const r of stmt.iterate() as Iterable<unknown[]>) {
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
  }

  probe(_db: string, table: string, _columns: DataColumn[], slice: Slice | null): SliceProbe {
    return sqliteProbe(this.db, readFrom(table, slice));
  }

  async count(_db: string, table: string, slice: Slice | null): Promise<number> {
    return Number(this.db.prepare(`SELECT count(*) FROM ${readFrom(table, slice)}`).pluck().get());
  }

  async close(): Promise<void> {
    if (this.db.inTransaction) this.db.exec('COMMIT');
    this.db.close();
  }
}

/** Writes a SQLite file; a slice is replaced inside one write transaction. */
export class SqliteWriter implements DestinationWriter {
  private constructor(private readonly db: SqliteDatabase) {}

  static async open(conn: Connection): Promise<SqliteWriter> {
    return new SqliteWriter(await open(conn.path!, false));
  }

  async ensureTable(_db: string, table: string, columns: DataColumn[], partitioned: boolean, { key, alter = true }: TableSchema = {}): Promise<void> {
    if (!alter) {
      const have = this.db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[];
      return tableAsNeeded(table, new Set(have), [...columns.map((c) => c.name), ...(partitioned ? [SLICE_COLUMN] : [])]);
    }
    this.createTable(table, columns, partitioned);
    // Chunks are replaced by key range: each DELETE and check finds its rows through the index.
    if (key !== undefined) this.db.exec(`CREATE INDEX IF NOT EXISTS ${quoteIdent(keyIndexName('main', table, key))} ON ${quoteIdent(table)} (${quoteIdent(key)})`);
  }

  private createTable(table: string, columns: DataColumn[], partitioned: boolean): void {
    const wanted = [...columns.map((c) => [c.name, toSqlite(c.type)] as const), ...(partitioned ? [[SLICE_COLUMN, 'TEXT'] as const] : [])];
    const have = this.db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[];
    if (have.length === 0) {
      this.db.exec(`CREATE TABLE ${quoteIdent(table)} (${wanted.map(([n, t]) => `${quoteIdent(n)} ${t}`).join(', ')})`);
      if (partitioned) this.db.exec(`CREATE INDEX ${quoteIdent(`${table}_${SLICE_COLUMN}`)} ON ${quoteIdent(table)} (${quoteIdent(SLICE_COLUMN)})`);
      return;
    }
    for (const [n, t] of wanted) if (!have.includes(n)) this.db.exec(`ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${quoteIdent(n)} ${t}`);
    // A tag column added to a table copied whole before (now in partitions or cut chunks) gets its index too.
    if (partitioned && !have.includes(SLICE_COLUMN)) this.db.exec(`CREATE INDEX IF NOT EXISTS ${quoteIdent(`${table}_${SLICE_COLUMN}`)} ON ${quoteIdent(table)} (${quoteIdent(SLICE_COLUMN)})`);
  }

  async replace(_db: string, table: string, columns: DataColumn[], slice: SliceKey | null, rows: AsyncIterable<Row[]>, beforeCommit?: BeforeCommit): Promise<number> {
    const tag = tagOf(slice);
    const names = [...columns.map((c) => quoteIdent(c.name)), ...(tag === null ? [] : [quoteIdent(SLICE_COLUMN)])];
    const insert = this.db.prepare(`INSERT INTO ${quoteIdent(table)} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`);
    let written = 0;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.db.prepare(`DELETE FROM ${rowsOf(table, slice)}`).run();
      for await (const batch of rows) {
        for (const r of batch) insert.run(...r.map(toSqliteValue), ...(tag === null ? [] : [tag]));
        written += batch.length;
      }
      await beforeCommit?.(this.probe(_db, table, slice));
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
    return written;
  }

  probe(_db: string, table: string, slice: SliceKey | null): SliceProbe {
    return sqliteProbe(this.db, rowsOf(table, slice));
  }

  async removeOtherTags(_db: string, table: string, keep: string[]): Promise<void> {
    this.db.prepare(`DELETE FROM ${quoteIdent(table)} WHERE ${otherTagsCondition(keep, quoteIdent, quoteLiteral)}`).run();
  }

  async count(_db: string, table: string, slice: SliceKey | null): Promise<number> {
    return Number(this.db.prepare(`SELECT count(*) FROM ${rowsOf(table, slice)}`).pluck().get());
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
