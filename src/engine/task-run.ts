import type { Kysely } from 'kysely';
import { parseSpec } from '../connectors/partition-spec.js';
import { decodeCut } from '../connectors/cuts.js';
import { cutText, keyText, type CutKind, type DataColumn, type DestinationWriter, type Row, type Slice, type SliceKey, type SliceProbe, type SourceReader } from '../connectors/data.js';
import type { Connection, Engine } from '../connectors/engines.js';
import type { DataSourceService } from '../datasources/service.js';
import { switchOf, type JobConfig } from '../jobs/config.js';
import { enterPhase, type Holder, type SliceResult } from '../jobs/ledger/tasks.js';
import { mmsTaskStatus, type MmsTaskStatus } from '../jobs/task-status.js';
import type { Sandbox } from '../security/sandbox.js';
import type { Database, TaskPartitionRow, TaskPhase, TaskRow } from '../store/schema.js';
import type { TableKey } from '../store/catalog.js';
import { addTaskLog } from '../store/tasks.js';
import { SliceComparison, type ContentFingerprints } from '../verification/compare.js';
import type { ThroughputMeter } from './throughput-meter.js';
import type { SnapshotRegistry } from './snapshots.js';

/** What every task run needs from the service. */
export interface TaskContext {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
  dataSources: DataSourceService;
  /** Resolves every connection before it is opened (confined paths, checked hosts). */
  sandbox: Sandbox;
  /** The snapshots job runs read their sources in (this process's share of them). */
  snapshots: SnapshotRegistry;
  metrics?: EngineMetrics;
  /** Faults a test injects (never set by the service itself). */
  faults?: EngineFaults;
}

/** Faults tests inject into the engine, in-process only: no request can reach them. */
export interface EngineFaults {
  /** Runs inside a slice's copy transaction, after its rows are written and before they are checked: a test corrupts them here. */
  beforeCheck?(written: SliceProbe, task: TaskRow): Promise<void>;
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
  /** Who runs it (engine/execute-task.ts), and the phase it is in (enter, verifying). */
  holder: Holder;
  phase: TaskPhase;
  config: JobConfig;
  signal: AbortSignal;
  columns: DataColumn[];
  dstColumns: DataColumn[];
  /** The source table has partitions (its status follows theirs). */
  partitioned: boolean;
  /** How the table's chunks are cut in the source's order (data.ts Cut), if they are: its destination rows carry their chunk's tag, as partitions' do. */
  cut: CutKind | null;
  /** Set when this task's slice was the table's last to be DONE in the run (slice-status.ts). */
  finishedTable?: true;
  /** The integer key a table without partitions is chunked and compared by (null: none). */
  key: TableKey | null;
  /** The table's change mark as the task started: its last complete run's snapshot (engine/change-marks.ts). */
  lastMark: string | null;
  sourceType: Engine;
  /** The destination's name of a slice (run-task.ts sliceNaming). */
  dstSlice: (slice: Slice | null) => SliceKey | null;
  /** The destination as the sandbox resolved it (see runTask). */
  destination: Connection & { type: Engine };
  reader: SourceReader;
  /** Another reader on the source (a connection of its own), in the same snapshot as `reader` where `concurrentReaders`. */
  openSource: () => Promise<SourceReader>;
  /** Whether readers `openSource` gives read in `reader`'s snapshot (engine/snapshots.ts), so they may read beside it. */
  concurrentReaders: boolean;
  writer: DestinationWriter;
  /** Rows and bytes read from the source, for the job's throughput chart. */
  meter: ThroughputMeter;
}

/** Whether verification compares contents, not only counts (on unless `others: {"verify.content": false}`). */
export const checksContent = (config: JobConfig) => switchOf(config.others, 'verify.content') !== false;

/** A line of the task's log, with the task's status as MMS shows it: as it is now, unless `status` says what the line ends (a phase's _DONE). */
export async function taskLog(db: Kysely<Database>, taskId: number, level: 'INFO' | 'WARN' | 'ERROR', message: string, data?: unknown, status?: MmsTaskStatus) {
  const now = status ?? (await db.selectFrom('tasks').select(['status', 'phase']).where('id', '=', taskId).executeTakeFirst().then((t) => (t ? mmsTaskStatus(t.status, t.phase) : null)));
  await addTaskLog(db, taskId, { level, message, data, status: now ?? null });
}

/** The task enters a phase of its work (its status shows it: DATA_DOING, …). */
export async function enter(run: TaskRun, phase: TaskPhase): Promise<void> {
  if (run.phase === phase) return;
  await enterPhase(run.ctx.db, run.task.id, run.holder, phase);
  run.phase = phase;
}

/**
 * A slice's verification, as the task's VERIFICATION phase: a failure in it leaves the task there
 * (VERIFICATION_FAILED); once it passes, the task goes back to the phase it was in (copying: DATA).
 */
export async function verifying<T>(run: TaskRun, check: () => Promise<T>): Promise<T> {
  const back = run.phase;
  await enter(run, 'VERIFICATION');
  const result = await check();
  await enter(run, back);
  return result;
}

/** A task partition's source slice: a partition, a chunk of a table (its key range or cut) or of a partition (its key range), or null for the whole table. */
export function sliceOf(part: TaskPartitionRow): Slice | null {
  const cut = decodeCut(part.cut);
  if (cut) return { value: null, location: '', spec: [], cut };
  const partition = part.value === null ? null : { value: part.value, location: part.location, spec: parseSpec(part.value) };
  if (part.range_key !== null) {
    const bound = (b: string | null) => (b === null ? null : BigInt(b));
    return { ...(partition ?? { value: null, location: '', spec: [] }), range: { column: part.range_key, lo: bound(part.range_lo), hi: bound(part.range_hi) } };
  }
  return partition;
}

export const describe = (slice: Slice | null, table: string) =>
  slice?.range ? `${slice.value === null ? `table ${table}` : `partition ${slice.value}`}, rows with ${keyText(slice.range)}` : slice?.cut ? `table ${table}, rows with ${cutText(slice.cut)}` : slice ? `partition ${slice.value}` : `table ${table}`;

/** Passes batches on, stopping at the next batch once the job is stopped. */
export async function* guarded(run: TaskRun, batches: AsyncIterable<Row[]>, onBatch: (b: Row[]) => void): AsyncGenerator<Row[]> {
  for await (const batch of batches) {
    if (run.signal.aborted) throw new StopRequested();
    onBatch(batch);
    yield batch;
  }
}

/**
 * The slice's two ends, compared by the engines themselves; null where an engine offers no SQL over
 * a slice. The destination's end is the rows as the writer holds them (`written`, before their
 * commit) or, by default, as committed.
 */
export function comparison(run: TaskRun, slice: Slice | null, { reader = run.reader, written, keyed }: { reader?: SourceReader; written?: SliceProbe; keyed?: { destinationLookups: boolean } } = {}): SliceComparison | null {
  const { task, writer } = run;
  const destination = written ?? writer.probe?.(task.dst_db_name, task.dst_table_name, run.dstSlice(slice));
  if (!reader.probe || !destination) return null;
  // `keyed`: compared by the table's key, which the source indexes (the primary key it leads: TableMeta.chunkKey).
  return new SliceComparison(
    { engine: run.sourceType, probe: reader.probe(task.src_db_name, task.src_table_name, run.columns, slice), columns: run.columns, lookups: keyed !== undefined },
    { engine: run.destination.type, probe: destination, columns: run.dstColumns, lookups: keyed?.destinationLookups ?? false },
  );
}

/**
 * Why a slice's verification failed, with the first differing rows the engines find (best effort:
 * a destination without the slice at all has nothing to bisect), both ends read as they were
 * compared (`written`: the destination's rows before their commit).
 */
export async function verificationFailure(run: TaskRun, slice: Slice | null, v: Verification, written?: SliceProbe): Promise<VerificationFailed> {
  const what = `verification failed for ${describe(slice, run.task.src_table_name)}`;
  // Not when content reads were turned off.
  const rows = checksContent(run.config) ? await comparison(run, slice, { written })?.firstDifferences().catch(() => null) : null;
  if (v.sourceRows !== v.destinationRows) return new VerificationFailed(`${what}: the source has ${v.sourceRows} rows, the destination ${v.destinationRows}${rows ? `; ${rows}` : ''}`);
  return new VerificationFailed(
    `${what}: the row counts match but the contents differ (${rows ?? `the engines' fingerprints: ${v.sourceFingerprint} at the source, ${v.destinationFingerprint} at the destination`})`,
  );
}
