import { sql } from 'kysely';

/** `column` contains `text`, case-insensitive; `%`, `_` and `\` in the text match literally. */
export function containsText(column: string, text: string) {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}

/**
 * A SELECT that locks its rows until the transaction ends: FOR UPDATE on PostgreSQL; SQLite has
 * one writer at a time, so the transaction alone serialises.
 */
export function lockingRows<Q extends { forUpdate(): Q }>(dialect: 'sqlite' | 'postgres', query: Q): Q {
  return dialect === 'postgres' ? query.forUpdate() : query;
}
