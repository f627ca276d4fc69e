import { sql, type Kysely, type Transaction } from 'kysely';
import { normalize } from 'node:path';
import { SINGLE_WRITER, type Connection, type Engine } from '../../connectors/engines.js';
import type { Database } from '../../store/schema.js';
import { decodeDataSourceConfig } from '../../datasources/stored-config.js';

/** Where a destination points, so data sources sharing one share its limit (a private DuckDB file is its data source's alone). */
function endpoint(c: Connection & { type: string }, sourceId: number): string {
  if (c.path !== undefined) return `${c.type}:${normalize(c.path)}`;
  return c.host !== undefined ? `${c.type}:${c.host}:${c.port ?? ''}/${c.database ?? ''}` : `private:${sourceId}`;
}

/**
 * How many tasks may write a destination at once: `maxConcurrentTasks` in its options, and one
 * for a single-writer file (DuckDB, SQLite), whose writers would fail each other's transactions.
 */
function destinationLimit(c: Connection & { type: string }): number | null {
  return SINGLE_WRITER.has(c.type as Engine) ? 1 : limitOf(c);
}

const limitOf = (c: Connection): number | null => {
  const v = Number(c.options?.maxConcurrentTasks);
  return Number.isInteger(v) && v > 0 ? v : null;
};

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Whether one more task of this data source may start: `maxConcurrentTasks` in the options of
 * its source connection caps tasks reading that source; the destination's limit (destinationLimit)
 * caps tasks writing that destination, whichever data sources they come from. Both modes claim
 * through here, so a DuckDB or SQLite file has one writer across all workers. `maxRunning` caps the
 * tasks running in the whole cluster (OPENMMS_MAX_RUNNING_TASKS), whatever their data source.
 */
export async function withinLimits(db: Db, sourceId: number, taskId: number, now = Date.now(), maxRunning: number | null = null): Promise<boolean> {
  const sources = await db.selectFrom('datasources').select(['id', 'type', 'config']).execute();
  const configs = new Map(sources.map((s) => [s.id, { type: s.type, ...decodeDataSourceConfig(s.config) }]));
  const mine = configs.get(sourceId);
  if (!mine) return true;
  // Running: DOING, other than this task, and not held by a lease that lapsed (a dead worker's).
  const running = async (ids: number[] | null) =>
    Number(
      (
        await db
          .selectFrom('tasks')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', '=', 'DOING')
          .where('id', '!=', taskId)
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '>=', now)]))
          .$if(ids !== null, (q) => q.where('source_id', 'in', ids!))
          .executeTakeFirstOrThrow()
      ).n,
    );
  if (maxRunning !== null && (await running(null)) >= maxRunning) return false;
  const sourceLimit = limitOf(mine.source);
  if (sourceLimit !== null && (await running([sourceId])) >= sourceLimit) return false;
  const writers = destinationLimit(mine.destination);
  if (writers !== null) {
    const key = endpoint(mine.destination, sourceId);
    const sharing = [...configs].filter(([id, c]) => endpoint(c.destination, id) === key).map(([id]) => id);
    if ((await running(sharing)) >= writers) return false;
  }
  return true;
}

/**
 * Runs a claim (limit check + compare-and-set) so that no two processes claim at once: on
 * PostgreSQL under a transaction-scoped advisory lock; SQLite has a single writer anyway.
 */
export async function claimExclusively<T>(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', claim: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (tx) => {
    if (dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtext('openmms:claim'))`.execute(tx);
    return claim(tx);
  });
}
