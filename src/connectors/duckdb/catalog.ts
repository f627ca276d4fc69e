import type { Connection } from '../engines.js';
import type { ColumnMeta, PartitionMeta, SourceCatalog, TableMeta } from '../connector.js';
import { fingerprint } from '../fingerprint.js';
import { formatLogical } from '../types/logical.js';
import { openDuck, quoteIdent, type DuckSession } from './connect.js';
import { fromDuckdb } from './types.js';

/** DuckDB catalog: a "database" is a schema of the file; tables have no partitions (DESIGN.md). */
export class DuckdbCatalog implements SourceCatalog {
  private constructor(private readonly duck: DuckSession) {}

  static async open(conn: Connection): Promise<DuckdbCatalog> {
    return new DuckdbCatalog(await openDuck(conn.path!, { readOnly: true, scratch: conn.scratch }));
  }

  async ping(): Promise<void> {
    await this.duck.all('SELECT 1');
  }

  async databases(): Promise<string[]> {
    const rows = await this.duck.all<{ name: string }>(
      `SELECT schema_name AS name FROM duckdb_schemas() WHERE database_name = current_database() AND schema_name NOT IN ('information_schema', 'pg_catalog') ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  }

  async tables(db: string, only?: string[]): Promise<TableMeta[]> {
    const tables = await this.duck.all<{ name: string; comment: string | null }>(
      `SELECT table_name AS name, comment FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = $1 ORDER BY 1`,
      [db],
    );
    const out: TableMeta[] = [];
    for (const t of tables) {
      if (only && !only.includes(t.name)) continue;
      const cols = await this.duck.all<{ name: string; type: string; nullable: boolean; comment: string | null }>(
        `SELECT column_name AS name, data_type AS type, is_nullable AS nullable, comment FROM duckdb_columns()
          WHERE database_name = current_database() AND schema_name = $1 AND table_name = $2 ORDER BY column_index`,
        [db, t.name],
      );
      const columns: ColumnMeta[] = cols.map((c) => ({ name: c.name, nativeType: c.type, type: formatLogical(fromDuckdb(c.type)), nullable: c.nullable, comment: c.comment }));
      const key = await this.integerKey(db, t.name);
      const bounds = key === null ? 'NULL AS lo, NULL AS hi' : `CAST(min(${quoteIdent(key)}) AS VARCHAR) AS lo, CAST(max(${quoteIdent(key)}) AS VARCHAR) AS hi`;
      // hash() of the whole row, summed: an exact-content signal computed inside DuckDB.
      const [stats] = await this.duck.all<{ n: bigint; h: bigint | null; lo: string | null; hi: string | null }>(`SELECT count(*) AS n, sum(hash(t)) AS h, ${bounds} FROM ${this.duck.qualified(db, t.name)} t`);
      out.push({
        name: t.name, comment: t.comment, columns, partitionColumns: [],
        rows: Number(stats!.n), size: 0, lastModified: null, fingerprint: fingerprint(columns, String(stats!.n), String(stats!.h)),
        ...(key !== null && { chunkKey: { column: key, min: stats!.lo, max: stats!.hi } }),
      });
    }
    return out;
  }

  async *partitions(): AsyncIterable<PartitionMeta[]> {}

  async close(): Promise<void> {
    this.duck.close();
  }

  /**
   * The integer column the table's primary key starts with, which it can be cut into chunks by
   * (ranges of it hold each row once, read in any snapshot); null if it has none.
   */
  private async integerKey(db: string, table: string): Promise<string | null> {
    const [key] = await this.duck.all<{ name: string }>(
      `SELECT k.constraint_column_names[1] AS name FROM duckdb_constraints() k
         JOIN duckdb_columns() c ON c.database_name = k.database_name AND c.schema_name = k.schema_name AND c.table_name = k.table_name AND c.column_name = k.constraint_column_names[1]
        WHERE k.database_name = current_database() AND k.schema_name = $1 AND k.table_name = $2 AND k.constraint_type = 'PRIMARY KEY'
          AND c.data_type IN ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER')`,
      [db, table],
    );
    return key?.name ?? null;
  }
}
