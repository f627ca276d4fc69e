import type { Kysely } from 'kysely';
import { parseSpec } from '../connectors/partition-spec.js';
import type { DataColumn, DestinationWriter, Row, Slice, SliceKey, SourceReader } from '../connectors/data.js';
import type { Connection, Engine } from '../connectors/engines.js';
import type { DataSourceService } from '../datasources/service.js';
import type { JobConfig } from '../jobs/config.js';
import type { SliceResult } from '../jobs/ledger/tasks.js';
import type { Sandbox } from '../security/sandbox.js';
import type { Database, TaskPartitionRow, TaskRow } from '../store/schema.js';
import { SliceComparison, type ContentFingerprints } from '../verification/compare.js';
import type { ThroughputMeter } from './throughput-meter.js';

/** What every task run needs from the service. */
export interface TaskContext {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
  dataSources: DataSourceService;
  /** Resolves every connection before it is opened (confined paths, checked hosts). */
  sandbox: Sandbox;
  metrics?: EngineMetrics;
}

/** How a task run ended, for metrics. */
export type TaskOutcome = { status: 'done' | 'stopped' } | { status: 'retry' | 'failed'; kind: 'verification' | 'transient' | 'permanent' };

/** What the engine reports as it works (Prometheus in metrics/metrics.ts). */
export interface EngineMetrics {
  slicesCopied(sourceType: string, destinationType: string, slices: number, rows: number, bytes: number): void;
  taskEnded(outcome: TaskOutcome, seconds: number): void;
}

/** Thrown into a copy when its job is stopped: the slice in flight rolls back, nothing is marked failed. */
export class StopRequested extends Error {
  override name = 'StopRequested';
}

/** A slice whose copy does not match its source: permanent, and named. */
export class VerificationFailed extends Error {
  override name = 'VerificationFailed';
}

/** What a slice's verification found, kept on its task partition. */
interface Counts {
  slice: string | null;
  sourceRows: number;
  destinationRows: number;
  written: number;
  ok: boolean;
  sourceChecksum?: string;
  destinationChecksum?: string;
}

/** A slice's verification with the engines' own content fingerprints (verification/compare.ts). */
export type Verification = Counts & Partial<ContentFingerprints>;

/** A slice copied: what the ledger records for it. */
export type Copied = Omit<SliceResult, 'verification'> & { verification: Verification | null };

/** Everything the slices of one task share. */
export interface TaskRun {
  ctx: TaskContext;
  task: TaskRow;
  config: JobConfig;
  signal: AbortSignal;
  columns: DataColumn[];
  dstColumns: DataColumn[];
  /** The source table has partitions (its status follows theirs). */
  partitioned: boolean;
  sourceType: Engine;
  /** The destination's name of a slice (run-task.ts sliceNaming). */
  dstSlice: (slice: Slice | null) => SliceKey | null;
  /** The destination as the sandbox resolved it (see runTask). */
  destination: Connection & { type: Engine };
  reader: SourceReader;
  /** A second reader on the source (a connection of its own), for reading while `reader` streams. */
  openSource: () => Promise<SourceReader>;
  writer: DestinationWriter;
  /** Rows and bytes read from the source, for the job's throughput chart. */
  meter: ThroughputMeter;
}

/** `others` switches: a true/false the caller may send as JSON or as text. */
export const switchOf = (others: Record<string, unknown>, key: string): boolean | undefined =>
  others[key] === true || others[key] === 'true' ? true : others[key] === false || others[key] === 'false' ? false : undefined;

/** Whether verification compares contents, not only counts (on unless `others: {"verify.content": false}`). */
export const checksContent = (config: JobConfig) => switchOf(config.others, 'verify.content') !== false;

export async function taskLog(db: Kysely<Database>, taskId: number, level: 'INFO' | 'WARN' | 'ERROR', message: string, data?: unknown) {
  await db.insertInto('task_logs').values({ task_id: taskId, time: Date.now(), level, message, data: data === undefined ? null : JSON.stringify(data) }).execute();
}

/** A task partition's source slice (null: the whole table). */
export const sliceOf = (part: TaskPartitionRow): Slice | null => (part.value === null ? null : { value: part.value, location: part.location, spec: parseSpec(part.value) });

export const describe = (slice: Slice | null, table: string) => (slice ? `partition ${slice.value}` : `table ${table}`);

/** Passes batches on, stopping at the next batch once the job is stopped. */
export async function* guarded(run: TaskRun, batches: AsyncIterable<Row[]>, onBatch: (b: Row[]) => void): AsyncGenerator<Row[]> {
  for await (const batch of batches) {
    if (run.signal.aborted) throw new StopRequested();
    onBatch(batch);
    yield batch;
  }
}

/** The slice's two ends, compared by the engines themselves; null where an engine offers no SQL over a slice. */
export function comparison(run: TaskRun, slice: Slice | null, reader = run.reader): SliceComparison | null {
  const { task, writer } = run;
  if (!reader.probe || !writer.probe) return null;
  return new SliceComparison(
    { engine: run.sourceType, probe: reader.probe(task.src_db_name, task.src_table_name, run.columns, slice), columns: run.columns },
    { engine: run.destination.type, probe: writer.probe(task.dst_db_name, task.dst_table_name, run.dstSlice(slice)), columns: run.dstColumns },
  );
}

/**
 * Why a slice's verification failed, with the first differing rows the engines find (best effort:
 * a destination without the slice at all has nothing to bisect).
 */
export async function verificationFailure(run: TaskRun, slice: Slice | null, v: Verification): Promise<VerificationFailed> {
  const what = `verification failed for ${describe(slice, run.task.src_table_name)}`;
  // Not when content reads were turned off.
  const rows = checksContent(run.config) ? await comparison(run, slice)?.firstDifferences().catch(() => null) : null;
  if (v.sourceRows !== v.destinationRows) return new VerificationFailed(`${what}: the source has ${v.sourceRows} rows, the destination ${v.destinationRows}${rows ? `; ${rows}` : ''}`);
  return new VerificationFailed(
    `${what}: the row counts match but the contents differ (${rows ?? `the engines' fingerprints: ${v.sourceFingerprint} at the source, ${v.destinationFingerprint} at the destination`})`,
  );
}
