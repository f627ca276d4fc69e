import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { Connection } from '../engines.js';
import { SLICE_COLUMN, tableAsNeeded, type BeforeCommit, type CopyWatch, type DataColumn, type DestinationWriter, type Row, type SliceKey, type SlicePair, type SliceProbe, type SourceReader, type TableSchema } from '../data.js';
import { duckProbe, openDuck, quoteIdent, quoteLiteral, type DuckSession } from '../duckdb/connect.js';
import { csvCastExprs, csvLoadable, csvRefusal, readCsv, writeCsvFiles } from '../duckdb/csv-load.js';
import { FALLBACK_SCRATCH, scratchFolder } from '../scratch.js';
import { StagedFolder } from './staged-folder.js';
import { castExprs, stage } from '../duckdb/values.js';
import { toParquet } from '../duckdb/types.js';
import { dbFolder, outsideLayout, STAGING_PREFIXES } from './layout.js';
import { destinationNameProblem } from '../names.js';
import { pinBelow, pinFolder, type PinnedFolder } from '../pinned.js';

/** A slice's folder below its table's: a lake keeps slices as folders, and is never written in key ranges (it has no chunks). */
function folderKey(key: SliceKey | null): string | null {
  if (key !== null && typeof key !== 'string') throw new Error('a lake is written partition by partition, never in key ranges');
  return key;
}

/** The Parquet files of a folder, as a FROM item. */
const filesOf = (folder: string) => `read_parquet(${quoteLiteral(join(folder, '*.parquet'))}, hive_partitioning = false)`;

/** The Parquet files of a folder, as a slice's rows. */
const filesProbe = (duck: DuckSession, folder: string): SliceProbe => duckProbe(duck, filesOf(folder), 'parquet');

/** How each Parquet file is written. */
const PARQUET = 'FORMAT PARQUET, ROW_GROUP_SIZE 30000';

/** A SELECT list of `exprs`, each named after its column (the files' column names). */
const namedAs = (exprs: string[], columns: DataColumn[]) => exprs.map((e, k) => `${e} AS ${quoteIdent(columns[k]!.name)}`).join(', ');

/** A staged folder's i-th file, as COPY … TO names it. */
const partFile = (folder: StagedFolder, part: number) => quoteLiteral(join(folder.path, `part-${part}.parquet`));

/** A pinned folder, or an error saying what could not be written and why. */
function pinOrSay(pin: () => PinnedFolder, what: string): PinnedFolder {
  try {
    return pin();
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`);
  }
}

/** Rows per Parquet file of a slice, unless the destination's `options.rowsPerFile` says otherwise. */
const FILE_ROWS = 250_000;

/** Cuts a stream of row batches into runs of at most `limit` rows, one run at a time. */
class RowRuns {
  private carry: Row[] = [];
  ended = false;

  constructor(
    private readonly source: AsyncIterator<Row[]>,
    private readonly limit: number,
  ) {}

  async *next(): AsyncGenerator<Row[]> {
    for (let n = 0; n < this.limit; ) {
      let batch = this.carry;
      this.carry = [];
      if (batch.length === 0) {
        const next = await this.source.next();
        if (next.done) {
          this.ended = true;
          return;
        }
        batch = next.value;
      }
      const room = this.limit - n;
      if (batch.length > room) [batch, this.carry] = [batch.slice(0, room), batch.slice(room)];
      n += batch.length;
      yield batch;
    }
  }
}

/**
 * Writes Hive-layout Parquet: `<table>/<p1=v1/p2=v2>/part-N.parquet`, partition columns in the
 * folder names only. A slice is written into a hidden folder beside its place and swapped in by
 * renames, so a reader finds the old files or the new ones, never a half-written file. Every
 * folder it writes in is pinned (connectors/pinned.ts): reached without following a link, and
 * held, so no folder swapped for a link meanwhile takes a write, a rename or a deletion elsewhere.
 */
export class LakeWriter implements DestinationWriter {
  /** Database and table folders this writer wrote in, held until it closes. */
  private readonly folders = new Map<string, PinnedFolder>();

  private constructor(
    private readonly root: PinnedFolder,
    private readonly duck: DuckSession,
    private readonly rowsPerFile: number,
    /** Where the CSV files of the fast path go (Connection.scratch). */
    private readonly scratch: string,
  ) {}

  static async open(conn: Connection): Promise<LakeWriter> {
    const root = pinFolder(conn.path!, { create: true });
    try {
      const duck = await openDuck(':memory:', { readOnly: false, scratch: conn.scratch });
      await duck.all(`SET TimeZone = 'UTC'`);
      const rowsPerFile = Number(conn.options?.rowsPerFile);
      return new LakeWriter(root, duck, Number.isInteger(rowsPerFile) && rowsPerFile > 0 ? rowsPerFile : FILE_ROWS, conn.scratch ?? FALLBACK_SCRATCH);
    } catch (err) {
      root.close();
      throw err;
    }
  }

  /** A folder below the root, pinned once; created where missing, or null. */
  private pinned(rel: string, create: boolean): PinnedFolder | null {
    let folder = this.folders.get(rel);
    if (!folder) {
      if (!create && !existsSync(join(this.root.path, rel))) return null;
      folder = pinBelow(this.root, rel, { create });
      this.folders.set(rel, folder);
    }
    return folder;
  }

  private unpin(rel: string): void {
    this.folders.get(rel)?.close();
    this.folders.delete(rel);
  }

  /**
   * A table's database folder and its own (null where missing, unless `create`). Names become
   * folder names here, so each is checked: the writer only ever creates, renames or deletes
   * inside its root.
   */
  private table(db: string, table: string, create = true): { dbFolder: PinnedFolder; tableFolder: PinnedFolder } | null {
    const problem = destinationNameProblem('LAKE', 'database', db) ?? destinationNameProblem('LAKE', 'table', table);
    if (problem) throw new Error(`cannot write '${db}.${table}' to the lake: ${problem}`);
    const dbRel = relative('/', dbFolder('/', db));
    try {
      const dbFolderPinned = this.pinned(dbRel, create);
      const tableFolder = dbFolderPinned && this.pinned(join(dbRel, table), create);
      return tableFolder ? { dbFolder: dbFolderPinned!, tableFolder } : null;
    } catch (err) {
      throw new Error(`cannot write '${db}.${table}' to the lake: ${(err as Error).message}`);
    }
  }

  async ensureTable(db: string, table: string, _columns: DataColumn[], _partitioned: boolean, { alter = true }: TableSchema = {}): Promise<void> {
    // The schema lives in the files; the folder is all there is to create (or, not altering, to find).
    if (this.table(db, table, alter) === null) tableAsNeeded(`${db}.${table}`, new Set(), []);
  }

  /** A slice's folder (for a whole table, the table's), staged beside its place. */
  private async staged(db: string, table: string, slice: string | null): Promise<StagedFolder> {
    const { dbFolder: dbDir, tableFolder } = this.table(db, table)!;
    if (slice === null) return StagedFolder.open(dbDir, table, false);
    const parent = pinOrSay(() => pinBelow(tableFolder, dirname(slice), { create: true }), `cannot write '${db}.${table}' partition ${slice}`);
    return StagedFolder.open(parent, basename(slice), true);
  }

  private async swapIn(db: string, table: string, staged: StagedFolder, slice: string | null): Promise<void> {
    await staged.swapIn();
    // A whole table swapped in is a new folder: the one held is the old one's, now gone.
    if (slice === null) this.unpin(join(relative('/', dbFolder('/', db)), table));
  }

  async replace(db: string, table: string, columns: DataColumn[], key: SliceKey | null, rows: AsyncIterable<Row[]>, beforeCommit?: BeforeCommit): Promise<number> {
    const slice = folderKey(key);
    const staging = await this.staged(db, table, slice);
    const source = (async function* () {
      yield* rows;
    })();
    try {
      // Every column goes into the files, partition columns too: a reader gets each value with its
      // type from the file (a folder name is only text); the folder name repeats the same value.
      const parquetType = (c: DataColumn) => toParquet(c.type);
      const casts = namedAs(castExprs(columns, parquetType), columns);
      // A file per `rowsPerFile` rows: what is staged in memory stays small however large the slice.
      let n = 0;
      const runs = new RowRuns(source, this.rowsPerFile);
      const id = randomUUID().replace(/-/g, '');
      for (let part = 0; !runs.ended; part++) {
        const staged = `mms_stage_${id}_${part}`;
        try {
          const k = await stage(this.duck.connection, staged, columns, runs.next(), { table, type: parquetType, before: n });
          // An empty slice still gets its (empty) file: the file carries the schema.
          if (k > 0 || part === 0) await this.duck.all(`COPY (SELECT ${casts} FROM temp.${staged}) TO ${partFile(staging, part)} (${PARQUET})`);
          n += k;
        } finally {
          await this.duck.all(`DROP TABLE IF EXISTS temp.${staged}`);
        }
      }
      // The staged files are checked before they take the slice's place (the rename is the lake's commit).
      await beforeCommit?.(filesProbe(this.duck, staging.path));
      await this.swapIn(db, table, staging, slice);
      return n;
    } finally {
      await source.return(undefined); // on a failure, lets the source reader release its query
      await staging.close();
    }
  }

  takesFrom(reader: SourceReader, columns: DataColumn[]): boolean {
    return !!reader.csvText && csvLoadable(columns);
  }

  /**
   * The source engine's CSV, cut into files of `rowsPerFile` rows as it streams (csv-load.ts counts
   * rows where quotes allow), each read by DuckDB's `read_csv` and written as one Parquet file
   * while the next fills: no value crosses JavaScript. Every slice is staged and checked before
   * any is swapped in.
   */
  async replaceFrom(
    reader: SourceReader, from: { db: string; table: string }, slices: SlicePair[], db: string, table: string, columns: DataColumn[], dstColumns: DataColumn[], watch: CopyWatch, beforeCommit?: BeforeCommit,
  ): Promise<{ rows: number; bytes: number }> {
    if (!this.takesFrom(reader, columns)) throw new Error('replaceFrom: these columns cannot pass through');
    const casts = namedAs(csvCastExprs(dstColumns), dstColumns);
    const dir = await scratchFolder(this.scratch, 'csv');
    const staged: { folder: StagedFolder; slice: string | null }[] = [];
    try {
      let [rows, bytes] = [0, 0];
      for (const [i, pair] of slices.entries()) {
        const slice = folderKey(pair.key);
        const folder = await this.staged(db, table, slice);
        staged.push({ folder, slice });
        const csv = (part: number) => join(dir, `${i}-${part}.csv`);
        await writeCsvFiles(reader.csvText!(from.db, from.table, columns, pair.slice, watch.sourceRows), csv, this.rowsPerFile, watch, async (part) => {
          bytes += (await stat(csv(part))).size;
          const [r] = await this.duck.all<{ Count: bigint }>(`COPY (SELECT ${casts} FROM ${readCsv(csv(part), dstColumns)}) TO ${partFile(folder, part)} (${PARQUET})`);
          rows += Number(r?.Count ?? 0);
          await rm(csv(part));
        });
      }
      await beforeCommit?.(staged.length === 1 ? filesProbe(this.duck, staged[0]!.folder.path) : this.taggedFiles(staged.map((s, i) => [s.folder.path, slices[i]!.key as string])));
      for (const s of staged) await this.swapIn(db, table, s.folder, s.slice);
      return { rows, bytes };
    } catch (err) {
      throw csvRefusal(err as Error);
    } finally {
      for (const s of staged) await s.folder.close();
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Folders' files, each row tagged in SLICE_COLUMN with its folder's slice key (as probeBatch). */
  private taggedFiles(folders: [path: string, key: string][]): SliceProbe {
    return duckProbe(this.duck, `(${folders.map(([path, key]) => `SELECT *, ${quoteLiteral(key)} AS ${SLICE_COLUMN} FROM ${filesOf(path)}`).join(' UNION ALL ')})`, 'parquet');
  }

  /** The slices' files as written; slices never written have no rows (and where none was, no files give the columns: `columns` do). */
  probeBatch(db: string, table: string, keys: SliceKey[], columns: DataColumn[]): SliceProbe {
    const written = keys.map((k): [string, string] => [this.folder(db, table, folderKey(k)), k as string]).filter(([path]) => existsSync(path));
    if (written.length) return this.taggedFiles(written);
    const none = [...columns.map((c) => `CAST(NULL AS ${toParquet(c.type)}) AS ${quoteIdent(c.name)}`), `CAST(NULL AS VARCHAR) AS ${SLICE_COLUMN}`];
    return duckProbe(this.duck, `(SELECT ${none.join(', ')} WHERE false)`, 'parquet');
  }

  /** A partition gone from the source: its folder moved aside (the lake's commit), then deleted. */
  async removeSlice(db: string, table: string, key: SliceKey | null): Promise<void> {
    const slice = folderKey(key);
    if (slice === null) throw new Error(`the lake removes a partition's folder, not the table '${db}.${table}'`);
    const tableFolder = this.table(db, table, false)?.tableFolder;
    if (!tableFolder || !existsSync(join(tableFolder.path, slice))) return; // never written, or removed already
    const parent = pinOrSay(() => pinBelow(tableFolder, dirname(slice)), `cannot remove '${db}.${table}' partition ${slice}`);
    try {
      const old = join(parent.path, `${STAGING_PREFIXES[1]}${randomUUID().replace(/-/g, '')}`);
      await rename(join(parent.path, basename(slice)), old);
      await rm(old, { recursive: true, force: true });
    } finally {
      parent.close();
    }
  }

  /** A slice's folder (the table's for null), below the table's pinned folder; one that is not there for a table never written. */
  private folder(db: string, table: string, slice: string | null): string {
    const tableFolder = this.table(db, table, false)?.tableFolder.path ?? join(this.root.path, relative('/', dbFolder('/', db)), table);
    return slice === null ? tableFolder : join(tableFolder, slice);
  }

  /** The slice's files as they were written: every column in them, time offsets and intervals as text. */
  probe(db: string, table: string, slice: SliceKey | null): SliceProbe {
    return filesProbe(this.duck, this.folder(db, table, folderKey(slice)));
  }

  async count(db: string, table: string, slice: SliceKey | null): Promise<number> {
    const folder = this.folder(db, table, folderKey(slice));
    if (!existsSync(folder)) return 0;
    const [r] = await this.duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet(${quoteLiteral(join(folder, '*.parquet'))})`);
    return Number(r!.n);
  }

  async outsideSlices(db: string, table: string, slices: string[] | null): Promise<string[]> {
    return outsideLayout(this.folder(db, table, null), slices);
  }

  async close(): Promise<void> {
    this.duck.close();
    for (const folder of this.folders.values()) folder.close();
    this.root.close();
  }
}
