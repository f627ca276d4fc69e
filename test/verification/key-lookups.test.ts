import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SliceProbe } from '../../src/connectors/data.js';
import { mysqlProbe } from '../../src/connectors/mysql/reader.js';
import { postgresProbe } from '../../src/connectors/postgres/reader.js';
import { PORTABLE_SCHEME } from '../../src/verification/canonical.js';
import { POSTGRES_NATIVE_SCHEME } from '../../src/verification/dialects/postgres.js';
import { hashedSlice, keyGroups, type GroupTexts } from '../../src/verification/slice-hash.js';
import { createMariaDatabase } from '../support/mariadb.js';
import { createPgDatabase } from '../support/stores.js';

/**
 * An increment's key-by-key step reads the rows of the key groups that may have changed. Where the
 * key is indexed by a B-tree (a source's primary key; a destination's lookup index) PostgreSQL
 * looks each group up, MariaDB reads their ranges of the primary key; elsewhere the engine reads the
 * slice and keeps their rows. Both must find the same rows, negative keys and group 0 included, and
 * the lookup must read through the key's index only.
 */
const CASES: [where: string, width: bigint, groups: bigint[]][] = [
  [' WHERE `id` >= -15000 AND `id` < 15000', 32n, [-469n, -2n, -1n, 0n, 1n, 7n, 8n, 400n]],
  ['', 1000n, [-20n, 0n, 20n]],
  [' WHERE `id` < 0', 5n, [0n, -1n, -3000n]],
];
const columns = [{ name: 'id', type: { kind: 'int64' }, compare: 'text' }, { name: 'v', type: { kind: 'string' }, compare: 'text' }] as never;
/** Each group as read, by its number. */
const read = (groups: GroupTexts<unknown>) => Object.fromEntries([...groups.keys()].map((g) => [g, groups.get(g)]));
/** A probe that remembers the last query it ran. */
const remembering = (p: SliceProbe, seen: string[]): SliceProbe => ({ ...p, query: (sql) => (seen.push(sql), p.query(sql)) });
describe('key groups looked up through the key index', () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  const client = () => new pg.Client({ connectionString: db.url });

  beforeAll(async () => {
    db = await createPgDatabase('openmms_lookups');
    const c = client();
    await c.connect();
    await c.query(`CREATE TABLE t (id bigint PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(-20000, 20000) g WHERE g % 7 <> 3; ANALYZE t`);
    await c.end();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('PostgreSQL: finds the rows the group numbers name, group by group through the index, no slice read whole', async () => {
    const c = client();
    await c.connect();
    try {
      const seen: string[] = [];
      for (const [where, width, groups] of CASES) {
        const from = `"public"."t"${where.replaceAll('`', '"')}`;
        const end = (lookups: boolean) => hashedSlice(remembering(postgresProbe(c, from), seen), POSTGRES_NATIVE_SCHEME, columns, lookups);
        const scanned = read(await keyGroups(end(false), 'id', 1n, { width, groups }));
        const looked = read(await keyGroups(end(true), 'id', 1n, { width, groups }));
        expect(Object.keys(looked).length).toBeGreaterThan(0);
        expect(looked).toEqual(scanned);
        const plan = (await c.query(`EXPLAIN ${seen.at(-1)}`)).rows.map((r) => r['QUERY PLAN'] as string).join('\n');
        expect(plan).toMatch(/Index (Only )?Scan/);
        expect(plan).not.toMatch(/Seq Scan|Bitmap Heap Scan/);
      }
    } finally {
      await c.end();
    }
  });

  it('MariaDB: the same rows, read as ranges of the primary key', async () => {
    const maria = await createMariaDatabase('openmms_lookups');
    try {
      await maria.admin.query('CREATE TABLE t (id bigint PRIMARY KEY, v text); INSERT INTO t SELECT k, MD5(k) FROM (SELECT CAST(seq AS SIGNED) - 20000 AS k FROM seq_0_to_40000) s WHERE MOD(k, 7) <> 3; ANALYZE TABLE t');
      const seen: string[] = [];
      for (const [where, width, groups] of CASES) {
        const end = (lookups: boolean) => hashedSlice(remembering(mysqlProbe(maria.admin, `\`t\`${where}`), seen), PORTABLE_SCHEME, columns, lookups);
        const scanned = read(await keyGroups(end(false), 'id', 1n, { width, groups }));
        const looked = read(await keyGroups(end(true), 'id', 1n, { width, groups }));
        expect(Object.keys(looked).length).toBeGreaterThan(0);
        expect(looked).toEqual(scanned);
        const [plan] = (await maria.admin.query(`EXPLAIN ${seen.at(-1)}`)) as [{ table: string; type: string; key: string | null }[], unknown];
        expect(plan.filter((p) => p.table === 't').map((p) => [p.type, p.key])).toEqual([['range', 'PRIMARY']]);
      }
    } finally {
      await maria.drop();
    }
  });
});
