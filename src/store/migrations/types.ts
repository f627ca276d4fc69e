import type { ColumnDefinitionBuilder, Kysely } from 'kysely';

export type StoreDialect = 'sqlite' | 'postgres';

/** Column types that differ between the two stores, handed to every migration. */
export interface DialectTypes {
  idType: 'integer' | 'serial';
  bigint: 'integer' | 'bigint';
  /** Primary key that is never reused after a delete (ids are handed to API clients). */
  primaryId: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
}

export interface StoreMigration {
  name: string;
  up(db: Kysely<any>, types: DialectTypes): Promise<void>;
}
