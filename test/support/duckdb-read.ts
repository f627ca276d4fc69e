import { DuckDBInstance } from '@duckdb/node-api';

/** What DuckDB itself prints of a query's rows (`file` opened read-only; times in UTC), NULL as null. */
export async function duckdbRows(sql: string, file = ':memory:'): Promise<(string | null)[][]> {
  const instance = await DuckDBInstance.create(file, file === ':memory:' ? {} : { access_mode: 'READ_ONLY' });
  const c = await instance.connect();
  try {
    await c.run(`SET TimeZone = 'UTC'`);
    return (await c.runAndReadAll(sql)).getRowsJS().map((r) => r.map((v) => (v === null ? null : String(v))));
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

/** Runs statements in a DuckDB file (or in memory), as DuckDB's own SQL: to change a destination behind OpenMMS's back. */
export async function duckdbRun(file: string, sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(file);
  const c = await instance.connect();
  try {
    await c.run(sql);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}
