import { createHash } from 'node:crypto';
import type mysql from 'mysql2/promise';
import type { Connection } from '../engines.js';
import { SLICE_COLUMN, type DataColumn, type DestinationWriter, type Row, type SliceProbe, type Value } from '../data.js';
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
    if (!Number.isFinite(v)) throw new Error(`MySQL cannot store ${v} (${t.kind})`);
    return v;
  }
  // DATE and DATETIME span the years 1000 to 9999: no era before year 1, no infinity.
  if (isDated(t) && typeof v === 'string' && / BC$|infinity$/.test(v)) {
    throw new Error(`MySQL cannot store the ${t.kind} ${v}`);
  }
  if (t.kind === 'timestamptz' && typeof v === 'string') return v.replace(/\+00$/, ''); // DATETIME holding UTC
  return v;
}

/** A MySQL lock name (at most 64 characters) for any key. */
const lockName = (key: string) => `openmms:${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;

/** Writes with batched, parameterised INSERTs; a slice is replaced inside one transaction. */
export class MysqlWriter implements DestinationWriter {
  private constructor(private readonly c: mysql.Connection) {}

  static async open(conn: Connection): Promise<MysqlWriter> {
    return new MysqlWriter(await connectMysql(conn, { readOnly: false }));
  }

  /** DDL under a lock per destination database, so tasks starting at once on several workers agree (see PostgreSQL). */
  async ensureTable(db: string, table: string, columns: DataColumn[], partitioned: boolean): Promise<void> {
    const wanted = [...columns.map((c) => [c.name, toMysql(c.type)] as const), ...(partitioned ? [[SLICE_COLUMN, 'varchar(1024)'] as const] : [])];
    const lock = lockName(`ddl:${db}`);
    await this.c.query('SELECT GET_LOCK(?, 600)', [lock]);
    try {
      await this.c.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(db)}`);
      const [have] = await this.c.query<mysql.RowDataPacket[]>('SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, table]);
      const target = qualified(db, table);
      if (have.length === 0) {
        const index = partitioned ? `, INDEX (${quoteIdent(SLICE_COLUMN)}(255))` : '';
        await this.c.query(`CREATE TABLE ${target} (${wanted.map(([n, t]) => `${quoteIdent(n)} ${t}`).join(', ')}${index}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
        return;
      }
      const names = new Set(have.map((h) => h.name as string));
      for (const [n, t] of wanted) if (!names.has(n)) await this.c.query(`ALTER TABLE ${target} ADD COLUMN ${quoteIdent(n)} ${t}`);
    } finally {
      await this.c.query('SELECT RELEASE_LOCK(?)', [lock]).catch(() => {});
    }
  }

  async replace(db: string, table: string, columns: DataColumn[], slice: string | null, rows: AsyncIterable<Row[]>): Promise<number> {
    const target = qualified(db, table);
    const names = [...columns.map((c) => quoteIdent(c.name)), ...(slice === null ? [] : [quoteIdent(SLICE_COLUMN)])];
    const placeholders = `(${names.map(() => '?').join(', ')})`;
    let written = 0;
    // Two writers of one slice take turns (see the PostgreSQL writer).
    const lock = lockName(`${db}.${table}/${slice ?? ''}`);
    await this.c.query('SELECT GET_LOCK(?, 3600)', [lock]);
    await this.c.beginTransaction();
    try {
      if (slice === null) await this.c.query(`DELETE FROM ${target}`);
      else await this.c.query(`DELETE FROM ${target} WHERE ${quoteIdent(SLICE_COLUMN)} = ?`, [slice]);
      for await (const batch of rows) {
        for (let i = 0; i < batch.length; i += INSERT_ROWS) {
          const chunk = batch.slice(i, i + INSERT_ROWS);
          const params = chunk.flatMap((r) => [...r.map((v, k) => toParam(v, columns[k]!.type)), ...(slice === null ? [] : [slice])]);
          await this.c.query(`INSERT INTO ${target} (${names.join(', ')}) VALUES ${chunk.map(() => placeholders).join(', ')}`, params);
        }
        written += batch.length;
      }
      await this.c.commit();
    } catch (err) {
      await this.c.rollback().catch(() => {});
      throw err;
    } finally {
      await this.c.query('SELECT RELEASE_LOCK(?)', [lock]).catch(() => {});
    }
    return written;
  }

  probe(db: string, table: string, slice: string | null): SliceProbe {
    return mysqlProbe(this.c, `${qualified(db, table)}${slice === null ? '' : ` WHERE ${quoteIdent(SLICE_COLUMN)} = ${this.c.escape(slice)}`}`);
  }

  async count(db: string, table: string, slice: string | null): Promise<number> {
    const where = slice === null ? '' : ` WHERE ${quoteIdent(SLICE_COLUMN)} = ?`;
    const [[r]] = await this.c.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${qualified(db, table)}${where}`, slice === null ? [] : [slice]);
    return Number(r!.n);
  }

  async close(): Promise<void> {
    await this.c.end().catch(() => {});
  }
}
