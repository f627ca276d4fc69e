import mysql from 'mysql2/promise';

const mysqlEscape = (v: string) => mysql.escape(v);
import type { Connection } from '../engines.js';
import { readCondition, READ_BATCH, type DataColumn, type ReadOptions, type Row, type Slice, type SliceProbe, type SourceReader, type Value } from '../data.js';
import { isDated, type LogicalType } from '../types/logical.js';
import { connectMysql, qualified, quoteIdent } from './connect.js';

type Field = { type: string; string(): string | null; buffer(): Buffer | null };

/**
 * Every value is taken as the server's text (or bytes) and converted here: the driver's own
 * number parsing can be off in the last bit of a DOUBLE, and FLOAT's text is rounded to 6 digits,
 * so FLOAT is read as DOUBLE (which holds it exactly) and both are parsed with Number().
 */
function fromText(f: Field, t: LogicalType, options: ReadOptions): Value {
  if (t.kind === 'binary' || f.type === 'BIT') {
    const b = f.buffer();
    if (b === null) return null;
    if (t.kind === 'boolean') return b[0] === 1;
    if (t.kind === 'int64') return BigInt(`0x${b.toString('hex') || '0'}`);
    if (t.kind === 'decimal') return BigInt(`0x${b.toString('hex') || '0'}`).toString(); // BIT(64)
    return b;
  }
  const s = f.string();
  if (s === null) return null;
  if (options.zeroDatesAsNull && zeroDate(s, t)) return null;
  assertPortable(s, t);
  switch (t.kind) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'float64': return Number(s);
    case 'float32': return Math.fround(Number(s));
    case 'int64': return BigInt(s);
    case 'boolean': return s === '1';
    // DATETIME(6) prints every fraction digit; the common form drops trailing zeros.
    case 'time':
    case 'timestamp': return trimFraction(s);
    case 'timestamptz': return `${trimFraction(s)}+00`; // the session runs in UTC
    default: return s;
  }
}

/** A MariaDB value no other engine has an equal for: refused by name, never changed into another. */
class Unportable extends Error {}

/** Whether a text is a MariaDB zero date (or has a zero year, month or day). */
const zeroDate = (s: string, t: LogicalType) => isDated(t) && /^0000-|^\d{4}-00-|^\d{4}-\d\d-00/.test(s);

function assertPortable(s: string, t: LogicalType): void {
  if (zeroDate(s, t)) {
    throw new Unportable(`the zero date '${s}' has no equal in other engines (make it NULL or a real date at the source, or let the job copy zero dates as NULL: others {"mysql.zeroDatesAsNull": true})`);
  }
  if (t.kind === 'time' && s.startsWith('-')) {
    throw new Unportable(`the TIME '${s}' is a negative duration; other engines' TIME is a time of day, 00:00:00 to 23:59:59`);
  }
  if (t.kind === 'time' && !/^([01]\d|2[0-3]):/.test(s)) {
    throw new Unportable(`the TIME '${s}' is a duration beyond one day; other engines' TIME holds 00:00:00 to 23:59:59`);
  }
}

const trimFraction = (s: string) => (s.includes('.') ? s.replace(/\.(\d*?)0+$/, (_m, kept: string) => (kept ? `.${kept}` : '')) : s);

/** One snapshot for all a transaction reads, which writes nothing. */
export const START_SNAPSHOT = 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY';

/** A source partition (`PARTITION (p)`), a chunk's rows (of the table, or of a partition), or the rows of a destination slice. */
function fromClause(db: string, table: string, slice: Slice | null): string {
  const where = readCondition(slice, quoteIdent, mysqlEscape);
  if (where !== null) return `${qualified(db, table)}${slice?.range && slice.value !== null ? ` PARTITION (${quoteIdent(slice.location)})` : ''} WHERE ${where}`;
  return slice ? `${qualified(db, table)} PARTITION (${quoteIdent(slice.location)})` : qualified(db, table);
}

/** A slice's rows for verification. */
export function mysqlProbe(c: mysql.Connection, from: string): SliceProbe {
  // Every value as the server's text: the driver would parse a JSON-typed result into an object.
  const typeCast = (field: { string(): string | null }) => field.string();
  return { dialect: 'mysql', from, query: async (sql) => (await c.query<mysql.RowDataPacket[]>({ sql, rowsAsArray: true, typeCast }))[0] as unknown[][] };
}

/** The mysql2 session under a promise connection: what read() watches. */
interface MysqlCore {
  _fatalError: Error | null;
  query(o: object): { stream(o: object): AsyncIterable<Row> & { destroy(err?: Error): void } };
  on(event: 'error' | 'end', listener: (err?: Error) => void): void;
  off(event: 'error' | 'end', listener: (err?: Error) => void): void;
}

/** A session that ended before or during a read: transient (the task is tried again on a new one). */
const sessionEnded = (when: 'before' | 'during', cause: Error | null | undefined) =>
  new Error(`the MariaDB session ended ${when} the read (connection is in closed state)${cause ? `: ${cause.message}` : ''}`);

/**
 * Reads a MySQL/MariaDB table or one partition (`PARTITION (p)`) as a stream. Everything a reader
 * reads is read in one consistent-snapshot transaction held for its life: its own, or the job's,
 * a session the job's snapshot opened (snapshot.ts).
 */
export class MysqlReader implements SourceReader {
  private constructor(
    private readonly c: mysql.Connection,
    /** Ends the session, or hands it back to the job's snapshot (`usable`: not left mid-result). */
    private readonly release: (usable: boolean) => Promise<void>,
  ) {}

  static async open(conn: Connection): Promise<MysqlReader> {
    const c = await connectMysql(conn, { readOnly: true });
    try {
      await c.query(START_SNAPSHOT);
    } catch (err) {
      c.destroy();
      throw err;
    }
    return new MysqlReader(c, () => c.end().catch(() => {}));
  }

  /** A reader on a session already in a snapshot (the job's). */
  static inSession(c: mysql.Connection, release: (usable: boolean) => Promise<void>): MysqlReader {
    return new MysqlReader(c, release);
  }

  private usable = true;

  async *read(db: string, table: string, columns: DataColumn[], slice: Slice | null, options: ReadOptions = {}): AsyncIterable<Row[]> {
    const exprs = columns.map((c) => (c.type.kind === 'float32' ? `CAST(${quoteIdent(c.name)} AS DOUBLE)` : quoteIdent(c.name)));
    const from = fromClause(db, table, slice);
    let i = 0;
    const typeCast = (field: Field) => {
      const column = columns[i % columns.length]!;
      const row = Math.floor(i++ / columns.length) + 1;
      try {
        return fromText(field, column.type, options);
      } catch (err) {
        if (!(err instanceof Unportable)) throw err;
        throw new Error(`MariaDB table '${table}', column '${column.name}', row ${row}: ${err.message}; the slice was not copied`);
      }
    };
    const core = (this.c as unknown as { connection: MysqlCore }).connection;
    // mysql2 tells the end of a session (killed, dropped) to a streamed query's session only, never
    // to its stream, which would then wait forever: before the read it is refused, during it the
    // session's own error or end ends the stream.
    if (core._fatalError) {
      this.usable = false;
      throw sessionEnded('before', core._fatalError);
    }
    const stream = core.query({ sql: `SELECT ${exprs.join(', ')} FROM ${from}`, rowsAsArray: true, typeCast }).stream({ highWaterMark: READ_BATCH });
    const ended = (err?: Error) => stream.destroy(sessionEnded('during', err ?? core._fatalError));
    core.on('error', ended);
    core.on('end', ended);
    let finished = false;
    try {
      let batch: Row[] = [];
      for await (const row of stream) {
        batch.push(row);
        if (batch.length >= READ_BATCH) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length) yield batch;
      finished = true;
    } finally {
      core.off('error', ended);
      core.off('end', ended);
      // A consumer that stops early (a stopped job) leaves the result set mid-stream: the server
      // would send all of it before answering anything else, so that connection is closed instead.
      if (!finished) {
        this.usable = false;
        this.c.destroy();
      }
    }
  }

  probe(db: string, table: string, _columns: DataColumn[], slice: Slice | null): SliceProbe {
    return mysqlProbe(this.c, fromClause(db, table, slice));
  }

  async count(db: string, table: string, slice: Slice | null): Promise<number> {
    const [[r]] = await this.c.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${fromClause(db, table, slice)}`);
    return Number(r!.n);
  }

  async close(): Promise<void> {
    await this.release(this.usable);
  }
}
