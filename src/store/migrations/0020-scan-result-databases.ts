import { sql, type Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/** A scan's result names its count of databases `databases`, as MMS's does (it was `dbs`). */
export const scanResultDatabases: StoreMigration = {
  name: '0020-scan-result-databases',
  async up(db: Kysely<any>) {
    await db.updateTable('scans').set({ result: sql`replace(result, '{"dbs":', '{"databases":')` }).where('result', 'is not', null).execute();
  },
};
