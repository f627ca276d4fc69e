import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { createTestStore, STORE_KINDS } from '../support/stores.js';

describe.each(STORE_KINDS)('upgrades (%s store)', (kind) => {
  it('a second start applies nothing twice; a process older than its store refuses to start, naming the migration it does not know', async () => {
    const test = await createTestStore(kind);
    try {
      const applied = async () => (await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(test.store.db)).rows.map((r) => r.name);
      const before = await applied();
      expect(before.length).toBeGreaterThan(20);
      await (await openStore(test.url)).close();
      expect(await applied()).toEqual(before);
      // What a newer version would have left: a migration this code does not have.
      await sql`INSERT INTO kysely_migration (name, timestamp) VALUES ('9999-from-a-newer-version', '2099-01-01T00:00:00.000Z')`.execute(test.store.db);
      await expect(openStore(test.url)).rejects.toThrow('schema migration failed: corrupted migrations: previously executed migration 9999-from-a-newer-version is missing');
    } finally {
      await test.drop();
    }
  });
});
