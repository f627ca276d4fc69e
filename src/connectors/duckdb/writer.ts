import { randomUUID } from 'node:crypto';
import type { Connection } from '../engines.js';
import { SLICE_COLUMN, type DataColumn, type DestinationWriter, type Row, type SliceProbe } from '../data.js';
import { duckProbe, openDuck, quoteIdent, quoteLiteral, type DuckSession } from './connect.js';
import { toDuckdb } from './types.js';
import { castExprs, stage } from './values.js';

/**
 * Writes a DuckDB file: rows are staged with the appender, then one transaction deletes the
 * slice's old rows and casts the staged ones into place.
 */
export class DuckdbWriter implements DestinationWriter {
  private constructor(private readonly duck: DuckSession) {}

  static async open(conn: Connection): Promise<DuckdbWriter> {
    const duck = await openDuck(conn.path!, { readOnly: false });
    await duck.all(`SET TimeZone = 'UTC'`);
    return new DuckdbWriter(duck);
  }

  async ensureTable(db: string, table: string, columns: DataColumn[], partitioned: boolean): Promise<void> {
    const wanted = [...columns.map((c) => [c.name, toDuckdb(c.type)] as const), ...(partitioned ? [[SLICE_COLUMN, 'VARCHAR'] as const] : [])];
    await this.duck.all(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(db)}`);
    const have = await this.duck.all<{ name: string }>(
      'SELECT column_name AS name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = $1 AND table_name = $2',
      [db, table],
    );
    const target = `${quoteIdent(db)}.${quoteIdent(table)}`;
    if (have.length === 0) {
      await this.duck.all(`CREATE TABLE ${target} (${wanted.map(([n, t]) => `${quoteIdent(n)} ${t}`).join(', ')})`);
      return;
    }
    const names = new Set(have.map((h) => h.name));
    for (const [n, t] of wanted) if (!names.has(n)) await this.duck.all(`ALTER TABLE ${target} ADD COLUMN ${quoteIdent(n)} ${t}`);
  }

  async replace(db: string, table: string, columns: DataColumn[], slice: string | null, rows: AsyncIterable<Row[]>): Promise<number> {
    const staged = `mms_stage_${randomUUID().replace(/-/g, '')}`;
    const target = `${quoteIdent(db)}.${quoteIdent(table)}`;
    try {
      const n = await stage(this.duck.connection, staged, columns, rows);
      const names = [...columns.map((c) => quoteIdent(c.name)), ...(slice === null ? [] : [quoteIdent(SLICE_COLUMN)])];
      const values = [...castExprs(columns), ...(slice === null ? [] : ['$1'])];
      await this.duck.all('BEGIN TRANSACTION');
      try {
        await this.duck.all(`DELETE FROM ${target}${slice === null ? '' : ` WHERE ${quoteIdent(SLICE_COLUMN)} = $1`}`, slice === null ? [] : [slice]);
        await this.duck.all(`INSERT INTO ${target} (${names.join(', ')}) SELECT ${values.join(', ')} FROM temp.${quoteIdent(staged)}`, slice === null ? [] : [slice]);
        await this.duck.all('COMMIT');
      } catch (err) {
        await this.duck.all('ROLLBACK').catch(() => {});
        throw err;
      }
      return n;
    } finally {
      await this.duck.all(`DROP TABLE IF EXISTS temp.${quoteIdent(staged)}`);
    }
  }

  probe(db: string, table: string, slice: string | null): SliceProbe {
    return duckProbe(this.duck, `${quoteIdent(db)}.${quoteIdent(table)}${slice === null ? '' : ` WHERE ${quoteIdent(SLICE_COLUMN)} = ${quoteLiteral(slice)}`}`);
  }

  async count(db: string, table: string, slice: string | null): Promise<number> {
    const where = slice === null ? '' : ` WHERE ${quoteIdent(SLICE_COLUMN)} = $1`;
    const [r] = await this.duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${quoteIdent(db)}.${quoteIdent(table)}${where}`, slice === null ? [] : [slice]);
    return Number(r!.n);
  }

  async close(): Promise<void> {
    this.duck.close();
  }
}
