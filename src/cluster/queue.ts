import { randomBytes } from 'node:crypto';
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

/**
 * At most one waiting message per singleton key (a task or a scan): the dispatcher offers every
 * claimable task at each pass, and pg-boss's default policy (`standard`) ignores the key, so a
 * task waiting its turn was queued once a second (1,564 messages for a job of 200 tasks), each
 * fetched and declined by a worker. A message a worker holds does not block a new one: a task it
 * declined (over a limit) is offered again at the next pass.
 */
const QUEUE_POLICY = 'short';

/** How a message is kept: a worker that dies holds its message this long before pg-boss hands it out again. */
const MESSAGE = { expireInSeconds: 30, retryLimit: 1_000_000, retryDelay: 2 } as const;

/**
 * A message id (a UUID) that sorts by `ms`, then `i`, then at random. pg-boss takes the messages of
 * one priority by creation time, then id, and one statement creates them all at one time: with
 * random ids a job's tasks ran in random order, and the destination's loads took 35% longer: rows
 * no longer appended at the end of the slice tag's index.
 */
export function orderedId(ms: number, i: number): string {
  // Four hex digits hold the position: a longer one would make no UUID, and fail the whole offer.
  if (!Number.isInteger(i) || i < 0 || i > 0xffff) throw new RangeError(`a message's position in one offer is from 0 to 65535, not ${i}`);
  const hex = ms.toString(16).padStart(12, '0') + i.toString(16).padStart(4, '0') + randomBytes(8).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

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
      const queue = await boss.getQueue(name);
      if (!queue) {
        await boss.createQueue(name, { name, policy: QUEUE_POLICY }).catch(async (err) => {
          if (!(await boss.getQueue(name))) throw err;
        });
      } else if (queue.policy !== QUEUE_POLICY) {
        await boss.updateQueue(name, { name, policy: QUEUE_POLICY }); // created by an earlier version
      }
    }
    return new TaskQueue(boss);
  }

  /**
   * Offers tasks to the workers in one statement, taken in this order within a priority; a task
   * whose message still waits is not queued twice.
   */
  async offer(tasks: { taskId: number; priority: number }[]): Promise<void> {
    if (tasks.length === 0) return;
    const now = Date.now();
    await this.boss.insert(tasks.map(({ taskId, priority }, i) => ({ id: orderedId(now, i), name: TASK_QUEUE, data: { taskId } satisfies TaskMessage, singletonKey: `task-${taskId}`, priority, ...MESSAGE })));
  }

  /** Offers a scan to the workers; not queued twice while its message waits. */
  async offerScan(scanId: number): Promise<void> {
    await this.boss.send(SCAN_QUEUE, { scanId } satisfies ScanMessage, { singletonKey: `scan-${scanId}`, ...MESSAGE });
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
