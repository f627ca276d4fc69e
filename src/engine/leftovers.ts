import { existsSync } from 'node:fs';
import { removeStaging } from '../connectors/lake/layout.js';
import { removeScratchLeftovers } from '../connectors/scratch.js';
import type { TaskContext } from './task-run.js';
import type { EngineLog } from './execute-task.js';

/**
 * At start, removes what copies that died mid-way left behind: the service's temporary files of
 * processes of this machine that no longer run (connectors/scratch.ts), and the staging folders in
 * the lake destinations of every data source (see removeStaging). The embedded runner is the only
 * writer, so it removes all staging; a cluster worker only what no live worker can still be writing.
 */
export async function cleanLeftovers(ctx: TaskContext, log: EngineLog, olderThanMs: number): Promise<void> {
  const scratch = await removeScratchLeftovers(ctx.sandbox.files.scratchDir);
  if (scratch) log.info({ removed: scratch }, 'removed temporary files left by a process that died mid-copy');
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
