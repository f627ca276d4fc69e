import { sql, type Kysely, type Transaction } from 'kysely';
import { SINGLE_WRITER, type Connection, type Engine } from '../../connectors/engines.js';
import type { Database } from '../../store/schema.js';
import { decodeDataSourceConfig } from '../../datasources/stored-config.js';

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
 * Whether one more task of this data source may start: `maxConcurrentTasks` in the options of its
 * source connection caps the tasks reading that source, and the destination's limit
 * (destinationLimit) the tasks writing that destination, whichever data sources they come from:
 * both are told apart by the endpoints the data sources keep (security/endpoint.ts), so a server
 * or a file named two ways is one. Both modes claim through here, so a DuckDB or SQLite file has
 * one writer across all workers. `maxRunning` caps the tasks running in the whole cluster
 * (OPENMMS_MAX_RUNNING_TASKS), whatever their data source.
 */
export async function withinLimits(db: Db, sourceId: number, taskId: number, now = Date.now(), maxRunning: number | null = null): Promise<boolean> {
  const mine = await db.selectFrom('datasources').select(['config', 'source_endpoint', 'destination_endpoint']).where('id', '=', sourceId).executeTakeFirst();
  if (!mine) return true;
  const config = decodeDataSourceConfig(mine.config);
  // Running: DOING, other than this task, and not held by a lease that lapsed (a dead worker's).
  // Those of data sources reaching `key` at that end (this data source's alone while it has none).
  const running = async (end?: 'source_endpoint' | 'destination_endpoint') => {
    const key = end && mine[end];
    const n = await db
      .selectFrom('tasks')
      .innerJoin('datasources as d', 'd.id', 'tasks.source_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tasks.status', '=', 'DOING')
      .where('tasks.id', '!=', taskId)
      .where((eb) => eb.or([eb('tasks.lease_until', 'is', null), eb('tasks.lease_until', '>=', now)]))
      .$if(end !== undefined, (q) => (key ? q.where(`d.${end!}`, '=', key) : q.where('d.id', '=', sourceId)))
      .executeTakeFirstOrThrow();
    return Number(n.n);
  };
  if (maxRunning !== null && (await running()) >= maxRunning) return false;
  const sourceLimit = limitOf(config.source);
  if (sourceLimit !== null && (await running('source_endpoint')) >= sourceLimit) return false;
  const writers = destinationLimit(config.destination);
  if (writers !== null && (await running('destination_endpoint')) >= writers) return false;
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
