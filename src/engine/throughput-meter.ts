import { setTimeout as delay } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { addThroughput, bucketOf } from '../store/throughput.js';

type Counts = { rows: number; bytes: number };

const bump = (map: Map<number, Counts>, bucket: number, rows: number, bytes: number) => {
  const c = map.get(bucket) ?? { rows: 0, bytes: 0 };
  map.set(bucket, { rows: c.rows + rows, bytes: c.bytes + bytes });
};

/**
 * Counts the rows and bytes a task moves and adds them to the store's throughput series about once
 * a second, whatever the batch size or copy path, so the chart moves while a big slice is copied.
 * What a slice moved and then rolled back (a stop, a failure) is taken out again, from the very
 * buckets it was added to: the series holds only rows that stayed. Best effort: a failed write keeps
 * its numbers for the next one and never fails the copy.
 */
export class ThroughputMeter {
  private rows = 0;
  private bytes = 0;
  /** Of the counts not yet written, those of the open slice. */
  private sliceRows = 0;
  private sliceBytes = 0;
  /** What the open slice added to each bucket so far, by bucket time. */
  private written = new Map<number, Counts>();
  private open = false;
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
    if (!this.open) return;
    this.sliceRows += rows;
    this.sliceBytes += bytes;
  }

  /** Counts `copy`'s rows as moved only if it succeeds (its transaction commits). */
  async slice<T>(copy: () => Promise<T>): Promise<T> {
    this.open = true;
    try {
      const done = await copy();
      this.settle();
      return done;
    } catch (err) {
      this.discard();
      throw err;
    } finally {
      this.open = false;
    }
  }

  /** Takes out what the open slice moved so far (rolled back, or to be counted again) and goes on counting it afresh. */
  discard(): void {
    this.rows -= this.sliceRows;
    this.bytes -= this.sliceBytes;
    const written = [...this.written];
    this.settle();
    this.writing = this.writing.then(async () => {
      for (const [bucket, c] of written) await addThroughput(this.db, this.task, bucket, -c.rows, -c.bytes).catch(() => {});
    });
  }

  private settle(): void {
    this.sliceRows = this.sliceBytes = 0;
    this.written = new Map();
  }

  /** Writes what was counted since the last write (writes are serialised). */
  flush(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (this.rows === 0 && this.bytes === 0) return;
      const { rows, bytes, sliceRows, sliceBytes } = this;
      this.rows = this.bytes = this.sliceRows = this.sliceBytes = 0;
      const time = Date.now();
      // Noted before the write, in the map of the slice open now: a discard during the write takes it out too.
      const slice = this.open && (sliceRows || sliceBytes) ? this.written : null;
      const bucket = bucketOf(time);
      if (slice) bump(slice, bucket, sliceRows, sliceBytes);
      try {
        await addThroughput(this.db, this.task, time, rows, bytes);
      } catch {
        if (slice) bump(slice, bucket, -sliceRows, -sliceBytes);
        this.rows += rows;
        this.bytes += bytes;
        this.sliceRows += sliceRows;
        this.sliceBytes += sliceBytes;
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
