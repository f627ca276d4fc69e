import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Kysely } from 'kysely';
import type { EngineMetrics, TaskOutcome } from '../engine/task-run.js';
import { JOB_STATUSES as STATUSES, type Database } from '../store/schema.js';

/**
 * Prometheus metrics of one process. Copy counters and task durations count what this process ran
 * (an API process in embedded mode, each worker in a cluster: scrape them all); the queue gauges
 * are read from the metadata store at scrape time, so every process reports the same cluster-wide
 * numbers.
 */
export class Metrics implements EngineMetrics {
  readonly registry = new Registry();
  private readonly rows = new Counter({ name: 'openmms_rows_copied_total', help: 'Rows written to destinations.', labelNames: ['source_type', 'destination_type'], registers: [this.registry] });
  private readonly bytes = new Counter({ name: 'openmms_bytes_copied_total', help: 'Bytes read from sources and written.', labelNames: ['source_type', 'destination_type'], registers: [this.registry] });
  private readonly slices = new Counter({ name: 'openmms_slices_copied_total', help: 'Partitions (or whole tables) copied and verified.', labelNames: ['source_type', 'destination_type'], registers: [this.registry] });
  private readonly durations = new Histogram({
    name: 'openmms_task_duration_seconds',
    help: 'Wall time of task runs, by how they ended.',
    labelNames: ['outcome'],
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [this.registry],
  });
  private readonly failures = new Counter({ name: 'openmms_task_failures_total', help: 'Task runs that failed, by kind (transient ones are retried).', labelNames: ['kind'], registers: [this.registry] });

  constructor(db: Kysely<Database> | null) {
    collectDefaultMetrics({ register: this.registry, prefix: 'openmms_' });
    if (db) this.storeGauges(db);
  }

  slicesCopied(sourceType: string, destinationType: string, slices: number, rows: number, bytes: number): void {
    const labels = { source_type: sourceType, destination_type: destinationType };
    this.rows.inc(labels, rows);
    this.bytes.inc(labels, bytes);
    this.slices.inc(labels, slices);
  }

  taskEnded(outcome: TaskOutcome, seconds: number): void {
    this.durations.observe({ outcome: outcome.status }, seconds);
    if (outcome.status === 'failed' || outcome.status === 'retry') this.failures.inc({ kind: outcome.kind });
  }

  /** The text exposition format. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private storeGauges(db: Kysely<Database>): void {
    // Tasks of each job's current run, by status; stopped jobs' tasks are not waiting for anyone.
    // Read once per scrape (two gauges come from it), not once per gauge.
    let read: { at: number; rows: ReturnType<typeof queryTasks> } | null = null;
    const queryTasks = () =>
      db
        .selectFrom('tasks as t')
        .innerJoin('jobs as j', (join) => join.onRef('j.id', '=', 't.job_id').onRef('j.run', '=', 't.run'))
        .select(['t.status', 'j.stopped', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy(['t.status', 'j.stopped'])
        .execute();
    const tasksByStatus = () => {
      if (!read || Date.now() - read.at > 1000) read = { at: Date.now(), rows: queryTasks() };
      return read.rows;
    };
    const byStatus = (name: string, help: string, counts: () => Promise<{ status: string; n: number }[]>) =>
      new Gauge({
        name,
        help,
        labelNames: ['status'],
        registers: [this.registry],
        async collect() {
          this.reset();
          for (const status of STATUSES) this.set({ status }, 0);
          for (const r of await counts()) this.inc({ status: r.status }, Number(r.n));
        },
      });
    byStatus('openmms_tasks', 'Tasks of the current runs of all jobs, by status.', tasksByStatus);
    byStatus('openmms_jobs', 'Jobs by status.', () => db.selectFrom('jobs').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute());
    new Gauge({
      name: 'openmms_queue_depth',
      help: 'Tasks waiting to run (INIT, of jobs not stopped).',
      registers: [this.registry],
      async collect() {
        const rows = await tasksByStatus();
        this.set(rows.filter((r) => r.status === 'INIT' && r.stopped === 0).reduce((n, r) => n + Number(r.n), 0));
      },
    });
  }
}
