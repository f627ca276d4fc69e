import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../store/store.js';
import type { Database } from '../store/schema.js';
import type { DataSourceService } from './service.js';

type Log = { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };

/**
 * Data sources saved before they kept their endpoints (store migration 0017): resolved once at
 * start, and their destination claims, all at their destination, moved from the old key (which
 * spelled the engine and the host as given) to the new one. Where two data sources owned one table
 * under two spellings of one destination, the older one keeps it: the other's next job is told
 * who owns it. A data source that cannot be resolved now is left for its next task to resolve.
 */
export async function backfillEndpoints(db: Kysely<Database>, dataSources: DataSourceService, log: Log): Promise<void> {
  const rows = await db
    .selectFrom('datasources')
    .select('id')
    .where((eb) => eb.or([eb('source_endpoint', 'is', null), eb('destination_endpoint', 'is', null)]))
    .orderBy('id')
    .execute();
  for (const { id } of rows) {
    const ds = await dataSources.get(id);
    let keys: { source: string; destination: string };
    try {
      keys = {
        source: await dataSources.endpointOf(ds.type, ds.config.source, 'source', id),
        destination: await dataSources.endpointOf(ds.config.destination.type, ds.config.destination, 'destination', id),
      };
    } catch (err) {
      log.warn({ sourceId: id, err: (err as Error).message }, 'could not resolve the endpoints of a data source; its next task will');
      continue;
    }
    await db.updateTable('datasources').set({ source_endpoint: keys.source, destination_endpoint: keys.destination }).where('id', '=', id).execute();
    const claims = await db.selectFrom('destination_claims').select(['endpoint', 'object']).where('source_id', '=', id).where('endpoint', '!=', keys.destination).execute();
    for (const c of claims) {
      const mine = db.updateTable('destination_claims').where('source_id', '=', id).where('endpoint', '=', c.endpoint).where('object', '=', c.object);
      try {
        await mine.set({ endpoint: keys.destination }).execute();
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        await db.deleteFrom('destination_claims').where('source_id', '=', id).where('endpoint', '=', c.endpoint).where('object', '=', c.object).execute();
        log.warn({ sourceId: id, table: c.object }, 'a destination table this data source wrote is another data source\'s under the same destination spelled otherwise: that one keeps it');
      }
    }
  }
}
