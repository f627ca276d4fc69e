/** Standard SQL quoting, shared by the engines that follow it (PostgreSQL, DuckDB, SQLite). */

/** `"name"`, with embedded double quotes doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `'text'`, with embedded single quotes doubled: for the few places that take no parameter. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
