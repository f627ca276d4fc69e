import type { Connection } from '../engines.js';
import type { DataColumn, Row, Slice, SourceReader } from '../data.js';
import { openDuck, quoteIdent, quoteLiteral, type DuckSession } from './connect.js';
import { readExpr, streamRows } from './values.js';

/** Reads a DuckDB table (DuckDB tables have no partitions). */
export class DuckdbReader implements SourceReader {
  private constructor(private readonly duck: DuckSession) {}

  static async open(conn: Connection): Promise<DuckdbReader> {
    const duck = await openDuck(conn.path!, { readOnly: true });
    await duck.all(`SET TimeZone = 'UTC'`);
    return new DuckdbReader(duck);
  }

  read(db: string, table: string, columns: DataColumn[], slice: Slice | null): AsyncIterable<Row[]> {
    const exprs = columns.map((c) => readExpr(c.name, c.type));
    const where = slice?.column ? ` WHERE ${quoteIdent(slice.column)} = ${quoteLiteral(slice.value!)}` : '';
    return streamRows(this.duck.connection, `SELECT ${exprs.join(', ')} FROM ${quoteIdent(db)}.${quoteIdent(table)}${where}`);
  }

  async count(db: string, table: string): Promise<number> {
    const [r] = await this.duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${quoteIdent(db)}.${quoteIdent(table)}`);
    return Number(r!.n);
  }

  async close(): Promise<void> {
    this.duck.close();
  }
}
