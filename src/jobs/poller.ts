import type { FastifyBaseLogger } from 'fastify';

/**
 * The one loop of the embedded runner, the cluster dispatcher and the timer scheduler: runs a pass,
 * then the next `everyMs` after it ends (never two at once); `nudge` runs one now unless one runs.
 * A failed pass is logged and the loop goes on.
 */
export class Poller {
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private closed = true;
  /** A nudge came during a pass. */
  private again = false;

  constructor(
    private readonly name: string,
    private readonly run: () => Promise<void>,
    private readonly everyMs: number,
    private readonly log: Pick<FastifyBaseLogger, 'error'>,
  ) {}

  start(): void {
    this.closed = false;
    this.go();
  }

  /**
   * Runs a pass now (after a job was created, started or retried; after a task ended); during a
   * pass, runs another right after it, which sees what changed meanwhile.
   */
  nudge(): void {
    if (this.closed) return;
    if (this.pass) this.again = true;
    else this.go();
  }

  /** The pass running now, if any. */
  get running(): Promise<void> | null {
    return this.pass;
  }

  /** Stops the loop; resolves once the pass in flight has ended. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pass;
  }

  private go(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.again = false;
    this.pass = this.run()
      .catch((err) => this.log.error({ err }, `${this.name} failed`))
      .finally(() => {
        this.pass = null;
        if (!this.closed) this.timer = setTimeout(() => this.go(), this.again ? 0 : this.everyMs);
      });
  }
}
