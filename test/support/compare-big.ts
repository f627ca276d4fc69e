import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { DuckDBInstance } from '@duckdb/node-api';

/**
 * Compares a table too big to hold in memory at both ends, row by row, as the engines' own clients
 * print it: psql's COPY (text format, in order) against the same line printed by DuckDB itself
 * from a DuckDB file or Parquet files (NULL as `\N`, values joined by tabs), streamed side by
 * side. Each side names its columns as SQL printing them alike (values holding tabs, newlines or
 * backslashes print differently, so such tables would differ, never pass).
 */
export interface BigSide {
  /** A psql URL, or a DuckDB file (`:memory:` for Parquet). */
  at: string;
  /** FROM item: a table, or `read_parquet(...)`. */
  from: string;
  /** One SQL expression per column, the first one the key rows are ordered by. */
  columns: string[];
}

type Lines = string[];

async function* pgLines(side: BigSide): AsyncGenerator<Lines> {
  const copy = `COPY (SELECT ${side.columns.join(', ')} FROM ${side.from} ORDER BY 1) TO STDOUT`;
  const child = spawn('psql', [side.at, '-qAtX', '-c', `SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 1; ${copy}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    let batch: Lines = [];
    for await (const line of createInterface({ input: child.stdout })) {
      batch.push(line);
      if (batch.length >= 2048) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
    if ((await exited) !== 0) throw new Error('psql failed');
  } finally {
    child.kill();
  }
}

async function* duckLines(side: BigSide): AsyncGenerator<Lines> {
  const instance = await DuckDBInstance.create(side.at, side.at === ':memory:' ? {} : { access_mode: 'READ_ONLY' });
  const c = await instance.connect();
  try {
    await c.run(`SET TimeZone = 'UTC'`);
    const line = `concat_ws(chr(9), ${side.columns.map((e) => `coalesce(CAST(${e} AS VARCHAR), '\\N')`).join(', ')})`;
    const result = await c.stream(`SELECT ${line} FROM ${side.from} ORDER BY ${side.columns[0]}`);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) return;
      const texts = chunk.getColumnVector(0);
      yield Array.from({ length: chunk.rowCount }, (_, i) => String(texts.getItem(i)));
    }
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

/** Lines of a stream of batches, one at a time without a promise per line. */
class Cursor {
  private batch: Lines = [];
  private at = 0;
  constructor(private readonly source: AsyncIterator<Lines>) {}

  async next(): Promise<string | null> {
    while (this.at >= this.batch.length) {
      const next = await this.source.next();
      if (next.done) return null;
      [this.batch, this.at] = [next.value, 0];
    }
    return this.batch[this.at++]!;
  }
}

/** The rows compared, or throws naming the first one that differs. */
export async function compareBig(pgSide: BigSide, duckSide: BigSide): Promise<number> {
  const sources = [pgLines(pgSide), duckLines(duckSide)];
  const [a, b] = sources.map((s) => new Cursor(s)) as [Cursor, Cursor];
  let n = 0;
  try {
    for (;;) {
      const [x, y] = [await a.next(), await b.next()];
      if (x === null || y === null) {
        if (x !== y) throw new Error(`row ${n + 1}: only ${x === null ? 'DuckDB' : 'PostgreSQL'} has more rows`);
        return n;
      }
      n++;
      if (x !== y) throw new Error(`row ${n} differs: PostgreSQL ${JSON.stringify(x)}, DuckDB ${JSON.stringify(y)}`);
    }
  } finally {
    await Promise.all(sources.map((s) => s.return(undefined)));
  }
}
