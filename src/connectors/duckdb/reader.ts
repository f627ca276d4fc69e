import type { Connection } from '../engines.js';
import type { DataColumn, Row, Slice, SliceProbe, SourceReader } from '../data.js';
import { duckProbe, openDuck, quoteIdent, quoteLiteral, type DuckSession } from './connect.js';
import { readExpr, streamRows } from './values.js';

/** A table, or the rows of a destination slice. */
const fromClause = (db: string, table: string, slice: Slice | null) =>
  `${quoteIdent(db)}.${quoteIdent(table)}${slice?.column ? ` WHERE ${quoteIdent(slice.column)} = ${quoteLiteral(slice.value!)}` : ''}`;

/** Reads a DuckDB table (DuckDB tables have no partitions). */
export class DuckdbReader implements SourceReader {
  private constructor(private readonly duck: DuckSession) {}

  static async open(conn: Connection): Promise<DuckdbReader> {
    const duck = await openDuck(conn.path!, { readOnly: true, scratch: conn.scratch });
    await duck.all(`SET TimeZone = 'UTC'`);
    return new DuckdbReader(duck);
  }

  read(db: string, table: string, columns: DataColumn[], slice: Slice | null): AsyncIterable<Row[]> {
    const exprs = columns.map((c) => readExpr(c.name, c.type));
    return streamRows(this.duck.connection, `SELECT ${exprs.join(', ')} FROM ${fromClause(db, table, slice)}`);
  }

  probe(db: string, table: string, _columns: DataColumn[], slice: Slice | null): SliceProbe {
    return duckProbe(this.duck, fromClause(db, table, slice));
  }

  async count(db: string, table: string): Promise<number> {
    const [r] = await this.duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${quoteIdent(db)}.${quoteIdent(table)}`);
    return Number(r!.n);
  }

  async close(): Promise<void> {
    this.duck.close();
  }
}
