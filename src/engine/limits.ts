import { sql, type Kysely, type Transaction } from 'kysely';
import type { Connection } from '../connectors/engines.js';
import type { Database } from '../store/schema.js';

/** Where a connection points, so data sources sharing a destination share its limit. */
function endpoint(c: Connection & { type?: string }): string {
  return c.path ? `${c.type}:${c.path}` : `${c.type}:${c.host}:${c.port ?? ''}/${c.database ?? ''}`;
}

const limitOf = (c: Connection): number | null => {
  const v = Number(c.options?.maxConcurrentTasks);
  return Number.isInteger(v) && v > 0 ? v : null;
};

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Whether one more task of this data source may start: `maxConcurrentTasks` in the options of
 * its source connection caps tasks reading that source; in the options of its destination, tasks
 * writing that destination, whichever data sources they come from.
 */
export async function withinLimits(db: Db, sourceId: number, taskId: number, now = Date.now()): Promise<boolean> {
  const sources = await db.selectFrom('datasources').select(['id', 'type', 'config']).execute();
  const configs = new Map(sources.map((s) => [s.id, { type: s.type, ...(JSON.parse(s.config) as { source: Connection; destination: Connection & { type: string } }) }]));
  const mine = configs.get(sourceId);
  if (!mine) return true;
  // Running: DOING, other than this task, and not held by a lease that lapsed (a dead worker's).
  const running = async (ids: number[]) =>
    Number(
      (
        await db
          .selectFrom('tasks')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', '=', 'DOING')
          .where('id', '!=', taskId)
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '>=', now)]))
          .where('source_id', 'in', ids)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const sourceLimit = limitOf(mine.source);
  if (sourceLimit !== null && (await running([sourceId])) >= sourceLimit) return false;
  const destinationLimit = limitOf(mine.destination);
  if (destinationLimit !== null) {
    const key = endpoint(mine.destination);
    const sharing = [...configs].filter(([, c]) => endpoint(c.destination) === key).map(([id]) => id);
    if ((await running(sharing)) >= destinationLimit) return false;
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
