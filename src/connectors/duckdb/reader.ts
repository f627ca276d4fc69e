import type { Connection } from '../engines.js';
import { readCondition, type DataColumn, type Row, type Slice, type SliceProbe, type SourceReader } from '../data.js';
import { duckProbe, openDuck, quoteIdent, quoteLiteral, type DuckSession } from './connect.js';
import { readExpr, streamRows } from './values.js';

/** A table, or the rows of a destination slice. */
const fromClause = (duck: DuckSession, db: string, table: string, slice: Slice | null) => {
  const where = readCondition(slice, quoteIdent, quoteLiteral);
  return `${duck.qualified(db, table)}${where ? ` WHERE ${where}` : ''}`;
};

/**
 * Reads a DuckDB table (DuckDB tables have no partitions). Everything a reader reads is read in one
 * transaction held for its life: one snapshot of the file.
 */
export class DuckdbReader implements SourceReader {
  private constructor(private readonly duck: DuckSession) {}

  static async open(conn: Connection): Promise<DuckdbReader> {
    const duck = await openDuck(conn.path!, { readOnly: true, scratch: conn.scratch });
    await duck.all(`SET TimeZone = 'UTC'`);
    await duck.all('BEGIN TRANSACTION');
    return new DuckdbReader(duck);
  }

  read(db: string, table: string, columns: DataColumn[], slice: Slice | null): AsyncIterable<Row[]> {
    const exprs = columns.map((c) => readExpr(c.name, c.type));
    return streamRows(this.duck.connection, `SELECT ${exprs.join(', ')} FROM ${fromClause(this.duck, db, table, slice)}`);
  }

  probe(db: string, table: string, _columns: DataColumn[], slice: Slice | null): SliceProbe {
    return duckProbe(this.duck, fromClause(this.duck, db, table, slice));
  }

  async count(db: string, table: string, slice: Slice | null): Promise<number> {
    const [r] = await this.duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${fromClause(this.duck, db, table, slice)}`);
    return Number(r!.n);
  }

  async close(): Promise<void> {
    await this.duck.all('ROLLBACK').catch(() => {});
    this.duck.close();
  }
}
