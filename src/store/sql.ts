import { sql } from 'kysely';

/** `column` contains `text`, case-insensitive; `%`, `_` and `\` in the text match literally. */
export function containsText(column: string, text: string) {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}
