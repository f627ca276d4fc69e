import PgBoss from 'pg-boss';

export const TASK_QUEUE = 'mms-task';
/** Metadata scans a worker may run (catalog/scan-runs.ts leases them as tasks are). */
export const SCAN_QUEUE = 'mms-scan';

export interface TaskMessage {
  taskId: number;
}

export interface ScanMessage {
  scanId: number;
}

/** pg-boss options: short maintenance so an expired job (a dead worker's) is retried quickly. */
const BOSS_OPTIONS = { maintenanceIntervalSeconds: 5, monitorStateIntervalSeconds: 30, schema: 'openmms_queue' } as const;

/** A job's eta as a pg-boss priority: earlier eta, higher priority; no eta, lowest. */
export function etaPriority(eta: string | null): number {
  if (!eta) return 0;
  const days = Math.floor(Date.parse(`${eta.slice(0, 10)}T00:00:00Z`) / 86_400_000);
  return Number.isFinite(days) ? Math.max(1, 100_000 - days) : 0;
}

/**
 * The task queue of cluster mode, on pg-boss in the metadata store's PostgreSQL. A message only
 * says "task N may need work"; who owns the task is decided by its lease in the tasks table, so a
 * message delivered twice, or redelivered after expiring, never makes two workers copy one task.
 */
export class TaskQueue {
  private constructor(private readonly boss: PgBoss) {}

  static async open(connectionString: string): Promise<TaskQueue> {
    const boss = new PgBoss({ connectionString, ...BOSS_OPTIONS });
    boss.on('error', () => {}); // pg-boss reports and retries its own maintenance errors
    await boss.start();
    for (const name of [TASK_QUEUE, SCAN_QUEUE]) {
      // Several processes may create it at once: an error is fine only if the queue exists now.
      if (!(await boss.getQueue(name))) {
        await boss.createQueue(name).catch(async (err) => {
          if (!(await boss.getQueue(name))) throw err;
        });
      }
    }
    return new TaskQueue(boss);
  }

  /** Offers a task to the workers; a task already waiting or taken is not offered twice. */
  async offer(taskId: number, priority: number): Promise<void> {
    await this.boss.send(TASK_QUEUE, { taskId } satisfies TaskMessage, {
      singletonKey: `task-${taskId}`,
      priority,
      // A worker that dies holds its message this long before pg-boss hands it out again.
      expireInSeconds: 30,
      retryLimit: 1_000_000,
      retryDelay: 2,
    });
  }

  /** Offers a scan to the workers, once while it waits or runs. */
  async offerScan(scanId: number): Promise<void> {
    await this.boss.send(SCAN_QUEUE, { scanId } satisfies ScanMessage, { singletonKey: `scan-${scanId}`, expireInSeconds: 30, retryLimit: 1_000_000, retryDelay: 2 });
  }

  /** Takes task messages with `concurrency` handlers at once. */
  async work(concurrency: number, handler: (m: TaskMessage) => Promise<void>): Promise<void> {
    for (let i = 0; i < concurrency; i++) {
      let id = '';
      id = await this.boss.work<TaskMessage>(TASK_QUEUE, { pollingIntervalSeconds: 0.5, batchSize: 1 }, async ([job]) => {
        await handler(job!.data);
        // Fetch the next message at once: after a task shorter than the polling interval pg-boss
        // would wait out the rest of it, which capped a worker at 2 small tasks a second per handler.
        this.boss.notifyWorker(id);
      });
    }
  }

  /** Takes scan messages, one at a time. */
  async workScans(handler: (m: ScanMessage) => Promise<void>): Promise<void> {
    await this.boss.work<ScanMessage>(SCAN_QUEUE, { pollingIntervalSeconds: 0.5, batchSize: 1 }, async ([job]) => handler(job!.data));
  }

  async close(graceful: boolean): Promise<void> {
    await this.boss.stop({ graceful, wait: true, timeout: 30_000 });
  }
}
