import { setTimeout as delay } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { addThroughput } from '../store/throughput.js';

/**
 * Counts the rows and bytes a task moves and adds them to the store's throughput series about once
 * a second, whatever the batch size or copy path. Best effort: a failed write keeps its numbers for
 * the next one and never fails the copy.
 */
export class ThroughputMeter {
  private rows = 0;
  private bytes = 0;
  private writing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly task: { id: number; job_id: number },
    intervalMs = 1000,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  add(rows: number, bytes: number): void {
    this.rows += rows;
    this.bytes += bytes;
  }

  /** Writes what was counted since the last write (writes are serialised). */
  flush(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (this.rows === 0 && this.bytes === 0) return;
      const { rows, bytes } = this;
      this.rows = this.bytes = 0;
      try {
        await addThroughput(this.db, this.task, Date.now(), rows, bytes);
      } catch {
        this.add(rows, bytes);
      }
    });
    return this.writing;
  }

  /** The last write has no later one to carry what it could not store: it is tried a few times more. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    for (let wait = 100; ; wait *= 2) {
      await this.flush();
      if ((this.rows === 0 && this.bytes === 0) || wait > 1600) return;
      await delay(wait);
    }
  }
}
