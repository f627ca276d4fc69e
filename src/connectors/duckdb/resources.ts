import { totalmem } from 'node:os';

/**
 * What embedded DuckDB (DuckDB destinations and sources, and the lake's Parquet work) may use in
 * this process. Each open DuckDB file and each lake session is one DuckDB instance with this
 * memory limit, beyond which it spills to the connection's scratch folder (connectors/scratch.ts).
 *
 * What a copy cannot spill was measured on a 5,000,000-row, 8-column table: loading its CSV took
 * 24 MB with 2 threads, writing its Parquet 32 MB; below that DuckDB fails with "Out of Memory".
 * The floor is 1.5 times that per thread. Above it, more memory was not faster (128 MB and 256 MB
 * loaded the table in the same 9.5 s) but kept more of it resident, so the default is the machine's
 * memory shared out, capped at 128 MB.
 */

const MB = 1e6;
/** The least an instance may have per DuckDB thread (see above). */
export const MIN_BYTES_PER_THREAD = 24 * MB;
const MAX_DEFAULT = 128 * MB;
const DEFAULT_THREADS = 2;

export interface DuckdbResources {
  /** Each instance's memory_limit. */
  memoryBytes: number;
  threads: number;
  /** Where the memory limit came from, for messages: the variable, or how it was derived. */
  source: string;
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: MB, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** `512MB`, `1.5GiB`, `300 mb` → bytes; null when the text is no size. */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*$/i.exec(text);
  if (!m) return null;
  return Math.floor(Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]!);
}

/** A size as people and DuckDB's settings read it (DuckDB's KB and MB are powers of ten, as here). */
export const formatSize = (bytes: number) => (bytes % MB === 0 ? `${bytes / MB}MB` : `${Math.floor(bytes / 1e3)}KB`);

/**
 * The resources from OPENMMS_DUCKDB_MEMORY and OPENMMS_DUCKDB_THREADS, or derived from the
 * machine: a quarter of its memory shared by the instances `concurrency` tasks may have open at
 * once (one DuckDB file or lake session each, and one more). Throws on a setting that cannot work.
 */
export function duckdbResourcesFrom(env: NodeJS.ProcessEnv, concurrency: number, machineBytes = totalmem()): DuckdbResources {
  const threads = env.OPENMMS_DUCKDB_THREADS === undefined ? DEFAULT_THREADS : Number(env.OPENMMS_DUCKDB_THREADS);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new Error(`OPENMMS_DUCKDB_THREADS must be a whole number from 1 to 64 (got ${env.OPENMMS_DUCKDB_THREADS})`);
  const floor = MIN_BYTES_PER_THREAD * threads;
  if (env.OPENMMS_DUCKDB_MEMORY !== undefined) {
    const given = parseSize(env.OPENMMS_DUCKDB_MEMORY);
    if (given === null) throw new Error(`OPENMMS_DUCKDB_MEMORY must be a size such as 512MB or 2GB (got ${env.OPENMMS_DUCKDB_MEMORY})`);
    if (given < floor) {
      throw new Error(`OPENMMS_DUCKDB_MEMORY must be at least ${formatSize(floor)} with ${threads} DuckDB threads (${formatSize(MIN_BYTES_PER_THREAD)} a thread: what a copy cannot spill to disk); got ${env.OPENMMS_DUCKDB_MEMORY}`);
    }
    return { memoryBytes: given, threads, source: 'OPENMMS_DUCKDB_MEMORY' };
  }
  const share = Math.floor(machineBytes / 4 / (concurrency + 1) / MB) * MB;
  return { memoryBytes: Math.max(floor, Math.min(MAX_DEFAULT, share)), threads, source: `the default for ${concurrency} tasks at once` };
}

let current: DuckdbResources | null = null;

/** Sets this process's resources (at start, from its configuration). */
export function useDuckdbResources(resources: DuckdbResources): void {
  current = resources;
}

/** This process's resources: as configured, or from the environment with the default concurrency. */
export function duckdbResources(): DuckdbResources {
  current ??= duckdbResourcesFrom(process.env, 4);
  return current;
}

/**
 * A table's row group is written a block of 256 KiB per column, and replacing a slice holds the old
 * row group's, the new one's and the checkpoint's: at 128 MB, a table of 240 integer columns (two
 * rows) failed to commit its second copy, 200 copied again and again, 1,000 failed to load. The most
 * columns a DuckDB destination table can have within the memory limit, at three blocks a column.
 */
export function duckdbColumnLimit(): { limit: number; because: string } {
  const { memoryBytes, source } = duckdbResources();
  const limit = Math.floor(memoryBytes / (3 * 256 * 2 ** 10));
  return { limit, because: `DuckDB can write within its memory limit of ${formatSize(memoryBytes)} (${source}), 768 KiB a column (${limit}); raise OPENMMS_DUCKDB_MEMORY,` };
}

/**
 * `read_csv` holds about 160 KB a column whatever the rows (measured: 800 integer columns of two
 * rows failed at 128 MB, 400 at 64 MB, with 1 or 2 threads). The most columns a CSV load takes
 * within the memory limit, at 256 KiB a column; wider tables go the appender's way.
 */
export const csvColumnLimit = () => Math.floor(duckdbResources().memoryBytes / (256 * 2 ** 10));

/**
 * DuckDB's "Out of Memory Error" told as what to change, or null for any other error. The
 * instance is gone with the failed attempt's sessions, so trying again starts from an empty one.
 */
export function outOfMemoryHint(message: string): string | null {
  if (!/Out of Memory Error/.test(message)) return null;
  const { memoryBytes, threads, source } = duckdbResources();
  const what = message.split('\n')[0]!.trim();
  return `${what} (hint: embedded DuckDB may use ${formatSize(memoryBytes)} with ${threads} threads (${source}); raise OPENMMS_DUCKDB_MEMORY, or lower OPENMMS_DUCKDB_THREADS or the tasks run at once (--concurrency))`;
}
