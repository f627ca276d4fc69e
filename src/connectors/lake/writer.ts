import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Connection } from '../engines.js';
import type { DataColumn, DestinationWriter, Row, SliceProbe } from '../data.js';
import { duckProbe, openDuck, quoteIdent, quoteLiteral, type DuckSession } from '../duckdb/connect.js';
import { castExprs, stage } from '../duckdb/values.js';
import { toParquet } from '../duckdb/types.js';
import { dbFolder, STAGING_PREFIXES } from './layout.js';
import { destinationNameProblem } from '../names.js';
import { inside, realPath } from '../paths.js';

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
 * renames, so a reader finds the old files or the new ones, never a half-written file.
 */
export class LakeWriter implements DestinationWriter {
  private constructor(
    private readonly root: string,
    private readonly duck: DuckSession,
    private readonly rowsPerFile: number,
  ) {}

  static async open(conn: Connection): Promise<LakeWriter> {
    const duck = await openDuck(':memory:', { readOnly: false });
    await duck.all(`SET TimeZone = 'UTC'`);
    const rowsPerFile = Number(conn.options?.rowsPerFile);
    return new LakeWriter(realPath(conn.path!), duck, Number.isInteger(rowsPerFile) && rowsPerFile > 0 ? rowsPerFile : FILE_ROWS);
  }

  /**
   * The folder of a table, or of one of its slices. Names become folder names here, so each is
   * checked, and so is the resolved result: the writer only ever creates, renames or deletes
   * inside a table folder that lies inside its root, whatever a name or a symlink says.
   */
  private folder(db: string, table: string, slice: string | null = null): { tableDir: string; target: string } {
    const problem = destinationNameProblem('LAKE', 'database', db) ?? destinationNameProblem('LAKE', 'table', table);
    if (problem) throw new Error(`cannot write '${db}.${table}' to the lake: ${problem}`);
    const tableDir = join(dbFolder(this.root, db), table);
    const target = slice === null ? tableDir : join(tableDir, slice);
    const realTable = realPath(tableDir);
    if (!inside(realTable, this.root) || realTable === this.root || !inside(realPath(target), realTable)) {
      throw new Error(`cannot write '${db}.${table}'${slice ? ` partition ${slice}` : ''}: its folder would lie outside the lake's table folder`);
    }
    return { tableDir, target };
  }

  async ensureTable(db: string, table: string): Promise<void> {
    // The schema lives in the files; the folder is all there is to create.
    await mkdir(this.folder(db, table).tableDir, { recursive: true });
  }

  async replace(db: string, table: string, columns: DataColumn[], slice: string | null, rows: AsyncIterable<Row[]>): Promise<number> {
    const { target } = this.folder(db, table, slice);
    const id = randomUUID().replace(/-/g, '');
    const fresh = join(dirname(target), `${STAGING_PREFIXES[0]}${id}`);
    const old = join(dirname(target), `${STAGING_PREFIXES[1]}${id}`);
    const source = (async function* () {
      yield* rows;
    })();
    await mkdir(fresh, { recursive: true });
    try {
      // Every column goes into the files, partition columns too: a reader gets each value with its
      // type from the file (a folder name is only text); the folder name repeats the same value.
      const casts = castExprs(columns, toParquet).map((e, k) => `${e} AS ${quoteIdent(columns[k]!.name)}`);
      // A file per `rowsPerFile` rows: what is staged in memory stays small however large the slice.
      let n = 0;
      const runs = new RowRuns(source, this.rowsPerFile);
      for (let part = 0; !runs.ended; part++) {
        const staged = `mms_stage_${id}_${part}`;
        try {
          const k = await stage(this.duck.connection, staged, columns, runs.next(), toParquet);
          // An empty slice still gets its (empty) file: the file carries the schema.
          if (k > 0 || part === 0) {
            await this.duck.all(`COPY (SELECT ${casts.join(', ')} FROM temp.${staged}) TO ${quoteLiteral(join(fresh, `part-${part}.parquet`))} (FORMAT PARQUET, ROW_GROUP_SIZE 30000)`);
          }
          n += k;
        } finally {
          await this.duck.all(`DROP TABLE IF EXISTS temp.${staged}`);
        }
      }
      const hadOld = existsSync(target);
      if (hadOld) await rename(target, old);
      try {
        await rename(fresh, target);
      } catch (err) {
        if (hadOld) await rename(old, target); // put the old files back
        throw err;
      }
      await rm(old, { recursive: true, force: true });
      return n;
    } finally {
      await source.return(undefined); // on a failure, lets the source reader release its query
      await rm(fresh, { recursive: true, force: true });
    }
  }

  /** The slice's files as they were written: every column in them, time offsets and intervals as text. */
  probe(db: string, table: string, slice: string | null): SliceProbe {
    return duckProbe(this.duck, `read_parquet(${quoteLiteral(join(this.folder(db, table, slice).target, '*.parquet'))}, hive_partitioning = false)`, 'parquet');
  }

  async count(db: string, table: string, slice: string | null): Promise<number> {
    const folder = this.folder(db, table, slice).target;
    if (!existsSync(folder)) return 0;
    const [r] = await this.duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet(${quoteLiteral(join(folder, '*.parquet'))})`);
    return Number(r!.n);
  }

  async close(): Promise<void> {
    this.duck.close();
  }
}
