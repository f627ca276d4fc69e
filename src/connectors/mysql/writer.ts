import { createHash } from 'node:crypto';
import type mysql from 'mysql2/promise';
import type { Connection } from '../engines.js';
import { convertRow, keyIndexName, keyText, otherTagsCondition, SLICE_COLUMN, ValueRefused, sliceCondition, tableAsNeeded, tagOf, type TableSchema, type BeforeCommit, type DataColumn, type DestinationWriter, type Row, type SliceKey, type SliceProbe, type Value } from '../data.js';
import { mysqlProbe } from './reader.js';
import { isDated, type LogicalType } from '../types/logical.js';
import { connectMysql, qualified, quoteIdent } from './connect.js';
import { toMysql } from './types.js';

/** Rows per INSERT: well under the default 16 MB packet for ordinary rows. */
const INSERT_ROWS = 500;

/** A Value as a parameter MySQL stores exactly in a column of the given type. */
function toParam(v: Value, t: LogicalType): unknown {
  if (v === null) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ValueRefused(`MySQL cannot store ${v} (${t.kind})`);
    if (Object.is(v, -0)) throw new ValueRefused(`MySQL cannot store -0 (${t.kind}): MariaDB keeps no negative zero`);
    return v;
  }
  // DATE and DATETIME span the years 1000 to 9999: no era before year 1, no infinity, no fifth digit.
  if (isDated(t) && typeof v === 'string' && (/ BC$|infinity$/.test(v) || /^\d{5}/.test(v))) {
    throw new ValueRefused(`MySQL cannot store the ${t.kind} ${v}`);
  }
  if (t.kind === 'timestamptz' && typeof v === 'string') return v.replace(/\+00$/, ''); // DATETIME holding UTC
  return v;
}

/** A MariaDB column type as information_schema prints it, checked whole (it goes into DDL as it is). */
const COLUMN_TYPE = /^((tinyint|smallint|mediumint|int|bigint|decimal|float|double|bit|year|char|varchar|binary|varbinary|date|time|datetime|tinytext|text|mediumtext|longtext|tinyblob|blob|mediumblob|longblob|uuid|inet4|inet6)(\(\d+(,\d+)?\))?( unsigned)?( zerofill)?|(enum|set)\('([^'\\]|'')*'(,'([^'\\]|'')*')*\))$/;

/**
 * The source's own type of a column from MariaDB (DataColumn.native), where it is one of the types
 * above: a TIMESTAMP is not kept (MariaDB may give one a default and ON UPDATE of its own).
 */
const keptType = (c: DataColumn): string | null => (c.native !== undefined && COLUMN_TYPE.test(c.native) ? c.native : null);

/** A MySQL lock name (at most 64 characters) for any key. */
const lockName = (key: string) => `openmms:${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;

/** Writes with batched, parameterised INSERTs; a slice is replaced inside one transaction. */
export class MysqlWriter implements DestinationWriter {
  private constructor(
    private readonly c: mysql.Connection,
    /** Whether slices of one table may be written at once (see open). */
    private readonly sideBySide: boolean,
  ) {}

  /**
   * Slices of one table (chunks, partitions) written at once by several sessions deadlock under
   * REPEATABLE READ: each DELETE of a slice locks the gaps around it, which the others' INSERTs
   * need. READ COMMITTED takes no gap locks, so they go side by side; a server logging statements
   * cannot replicate READ COMMITTED writes, and there they take turns by table.
   */
  static async open(conn: Connection): Promise<MysqlWriter> {
    const c = await connectMysql(conn, { readOnly: false });
    try {
      const [[log]] = await c.query<mysql.RowDataPacket[]>('SELECT @@log_bin AS bin, @@binlog_format AS format');
      const sideBySide = !(Number(log!.bin) === 1 && String(log!.format).toUpperCase() === 'STATEMENT');
      if (sideBySide) await c.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
      return new MysqlWriter(c, sideBySide);
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
  }

  /**
   * DDL under a lock per destination database, so tasks starting at once on several workers agree
   * (see PostgreSQL). A MariaDB source's column keeps its own type (keptType).
   */
  async ensureTable(db: string, table: string, columns: DataColumn[], partitioned: boolean, { key, alter = true }: TableSchema = {}): Promise<void> {
    const wanted = [...columns.map((c) => [c.name, keptType(c) ?? toMysql(c.type)] as const), ...(partitioned ? [[SLICE_COLUMN, 'varchar(1024)'] as const] : [])];
    const columnsNow = async () => (await this.c.query<mysql.RowDataPacket[]>('SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, table]))[0];
    if (!alter) return tableAsNeeded(`${db}.${table}`, new Set((await columnsNow()).map((h) => h.name as string)), wanted.map(([n]) => n));
    const lock = lockName(`ddl:${db}`);
    await this.c.query('SELECT GET_LOCK(?, 600)', [lock]);
    try {
      await this.c.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(db)}`);
      const have = await columnsNow();
      const target = qualified(db, table);
      if (have.length === 0) {
        const index = `${partitioned ? `, INDEX (${quoteIdent(SLICE_COLUMN)}(255))` : ''}${key !== undefined ? `, INDEX ${quoteIdent(keyIndexName(db, table, key))} (${quoteIdent(key)})` : ''}`;
        await this.c.query(`CREATE TABLE ${target} (${wanted.map(([n, t]) => `${quoteIdent(n)} ${t}`).join(', ')}${index}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
        return;
      }
      const names = new Set(have.map((h) => h.name as string));
      // A tag column added to a table copied whole before (now in partitions or cut chunks) gets its index too.
      const indexed = (n: string) => (n === SLICE_COLUMN ? `, ADD INDEX (${quoteIdent(SLICE_COLUMN)}(255))` : '');
      for (const [n, t] of wanted) if (!names.has(n)) await this.c.query(`ALTER TABLE ${target} ADD COLUMN ${quoteIdent(n)} ${t}${indexed(n)}`);
    } finally {
      if (key !== undefined) await this.indexKey(db, table, key).catch(() => {});
      await this.c.query('SELECT RELEASE_LOCK(?)', [lock]).catch(() => {});
    }
  }

  /** Chunks are replaced by key range: each DELETE and check finds its rows through an index (added to a table created before). */
  private async indexKey(db: string, table: string, key: string): Promise<'built' | 'present'> {
    const name = keyIndexName(db, table, key);
    const [found] = await this.c.query<mysql.RowDataPacket[]>('SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = ?', [db, table, name]);
    if (found.length > 0) return 'present';
    await this.c.query(`ALTER TABLE ${qualified(db, table)} ADD INDEX ${quoteIdent(name)} (${quoteIdent(key)})`);
    return 'built';
  }

  /** The key's index chunks are replaced by serves increments' lookups too: built where a table copied whole lacks it. */
  async indexForLookups(db: string, table: string, column: string): Promise<'built' | 'present'> {
    const lock = lockName(`ddl:${db}`);
    await this.c.query('SELECT GET_LOCK(?, 600)', [lock]);
    try {
      return await this.indexKey(db, table, column);
    } finally {
      await this.c.query('SELECT RELEASE_LOCK(?)', [lock]).catch(() => {});
    }
  }

  async replace(db: string, table: string, columns: DataColumn[], slice: SliceKey | null, rows: AsyncIterable<Row[]>, beforeCommit?: BeforeCommit): Promise<number> {
    const target = qualified(db, table);
    const tag = tagOf(slice);
    const names = [...columns.map((c) => quoteIdent(c.name)), ...(tag === null ? [] : [quoteIdent(SLICE_COLUMN)])];
    // A kept BIT column takes a number, not the decimal text an integer travels as (text is its bytes).
    const placeholders = `(${[...columns.map((c) => (keptType(c)?.startsWith('bit') ? 'CAST(? AS UNSIGNED)' : '?')), ...(tag === null ? [] : ['?'])].join(', ')})`;
    let written = 0;
    // Two writers of one slice take turns (see the PostgreSQL writer); of one table, where they must (see open).
    const lock = lockName(this.sideBySide ? `${db}.${table}/${keyText(slice)}` : `${db}.${table}`);
    await this.c.query('SELECT GET_LOCK(?, 3600)', [lock]);
    await this.c.beginTransaction();
    try {
      await this.c.query(`DELETE FROM ${this.rowsOf(db, table, slice)}`);
      for await (const batch of rows) {
        for (let i = 0; i < batch.length; i += INSERT_ROWS) {
          const chunk = batch.slice(i, i + INSERT_ROWS);
          const params = chunk.flatMap((r, k) => [...convertRow(table, columns, r, written + i + k + 1, (v, c) => toParam(v, columns[c]!.type)), ...(tag === null ? [] : [tag])]);
          await this.c.query(`INSERT INTO ${target} (${names.join(', ')}) VALUES ${chunk.map(() => placeholders).join(', ')}`, params);
        }
        written += batch.length;
      }
      await beforeCommit?.(this.probe(db, table, slice));
      await this.c.commit();
    } catch (err) {
      await this.c.rollback().catch(() => {});
      throw err;
    } finally {
      await this.c.query('SELECT RELEASE_LOCK(?)', [lock]).catch(() => {});
    }
    return written;
  }

  /** A slice's rows (the whole table's for null) as a FROM item. */
  private rowsOf(db: string, table: string, slice: SliceKey | null): string {
    return `${qualified(db, table)}${slice === null ? '' : ` WHERE ${sliceCondition(slice, quoteIdent, (t) => this.c.escape(t))}`}`;
  }

  probe(db: string, table: string, slice: SliceKey | null): SliceProbe {
    return mysqlProbe(this.c, this.rowsOf(db, table, slice));
  }

  async removeOtherTags(db: string, table: string, keep: string[]): Promise<void> {
    await this.c.query(`DELETE FROM ${qualified(db, table)} WHERE ${otherTagsCondition(keep, quoteIdent, (t) => this.c.escape(t))}`);
  }

  async count(db: string, table: string, slice: SliceKey | null): Promise<number> {
    const [[r]] = await this.c.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${this.rowsOf(db, table, slice)}`);
    return Number(r!.n);
  }

  async close(): Promise<void> {
    await this.c.end().catch(() => {});
  }
}
