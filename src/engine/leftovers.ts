import { existsSync } from 'node:fs';
import { removeStagingLeftovers, slicesAsFolders } from '../connectors/index.js';
import { removeScratchLeftovers } from '../connectors/scratch.js';
import type { TaskContext } from './task-run.js';
import type { EngineLog } from './execute-task.js';

/**
 * At start, removes what copies that died mid-way left behind: the service's temporary files of
 * processes of this machine that no longer run (connectors/scratch.ts), and the staging folders in
 * the folder destinations (lakes) of every data source (connectors/index.ts removeStagingLeftovers). The embedded runner is the only
 * writer, so it removes all staging; a cluster worker only what no live worker can still be writing.
 */
export async function cleanLeftovers(ctx: TaskContext, log: EngineLog, olderThanMs: number): Promise<void> {
  const scratch = await removeScratchLeftovers(ctx.sandbox.files.scratchDir);
  if (scratch) log.info({ removed: scratch }, 'removed temporary files left by a process that died mid-copy');
  const rows = await ctx.db.selectFrom('datasources').select('id').execute();
  for (const { id } of rows) {
    const { config } = await ctx.dataSources.get(id);
    const engine = config.destination.type;
    if (!slicesAsFolders(engine)) continue;
    try {
      const { path } = await ctx.sandbox.connection(engine, config.destination, { role: 'destination', sourceId: id });
      if (!path || !existsSync(path)) continue;
      const removed = await removeStagingLeftovers(engine, path, olderThanMs);
      if (removed) log.info({ sourceId: id, removed }, 'removed staging folders left by an interrupted copy');
    } catch (err) {
      log.warn({ sourceId: id, err: (err as Error).message }, 'could not clean the lake destination of leftovers');
    }
  }
}
