import { existsSync } from 'node:fs';
import { removeStaging } from '../connectors/lake/layout.js';
import type { TaskContext } from './task-run.js';
import type { EngineLog } from './execute-task.js';

/**
 * At start, removes what writers that died mid-copy left in the lake destinations of every data
 * source (see removeStaging). The embedded runner is the only writer, so it removes all of it;
 * a cluster worker only what no live worker can still be writing.
 */
export async function cleanLakeStaging(ctx: TaskContext, log: EngineLog, olderThanMs: number): Promise<void> {
  const rows = await ctx.db.selectFrom('datasources').select('id').execute();
  for (const { id } of rows) {
    const { config } = await ctx.dataSources.get(id);
    if (config.destination.type !== 'LAKE') continue;
    try {
      const { path } = await ctx.sandbox.connection('LAKE', config.destination, { role: 'destination', sourceId: id });
      if (!path || !existsSync(path)) continue;
      const removed = await removeStaging(path, olderThanMs);
      if (removed) log.info({ sourceId: id, removed }, 'removed staging folders left by an interrupted copy');
    } catch (err) {
      log.warn({ sourceId: id, err: (err as Error).message }, 'could not clean the lake destination of leftovers');
    }
  }
}
