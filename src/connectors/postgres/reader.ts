import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Connection } from '../engines.js';
import { readCondition, READ_BATCH, SLICE_COLUMN, tagOf, type ChangeTracking, type DataColumn, type Row, type Slice, type SlicePair, type SliceProbe, type SourceReader } from '../data.js';
import { connectPostgres, joinSnapshot, qualified, quoteIdent } from './connect.js';
// COPY takes no parameters; literals are quoted (standard_conforming_strings is on since 9.1).
import { quoteLiteral } from '../sql.js';
import { readCopyRows } from './copy-text.js';
import { elementType } from './types.js';
import { postgresChanges } from './changes.js';

/**
 * Session settings under which COPY prints every value in one fixed, exact form; and without JIT
 * compilation, which costs the many short verification queries of a job more than it saves them.
 */
export const CANONICAL_SESSION = `SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'; SET extra_float_digits = 1; SET bytea_output = 'hex'; SET jit = off`;


/** A column as it travels: money as its exact numeric value (its text is locale-formatted: `$1,234.56`). */
const valueExpr = (c: DataColumn) => (c.native === 'money' ? `${quoteIdent(c.name)}::numeric` : quoteIdent(c.name));

/**
 * A column as `read` carries it: nested values as JSON text, everything else in PostgreSQL's own
 * text form. JSON has no array bounds: an array starting at another index than 1 (`[0:1]={7,8}`)
 * is marked `!` and its dimensions, for copy-text.ts to refuse by row.
 */
function readExpr(c: DataColumn): string {
  const col = quoteIdent(c.name);
  if (c.type.kind === 'array') return `CASE WHEN array_dims(${col}) !~ '^(\\[1:\\d+\\])+$' THEN '!' || array_dims(${col}) ELSE to_json(${col})::text END`;
  return c.type.kind === 'map' || c.type.kind === 'struct' ? `to_json(${col})::text` : valueExpr(c);
}

/** The leaf partition table of a source slice, a chunk's rows (of the table, or of a partition's leaf), or the rows of a destination slice. */
function fromClause(db: string, table: string, slice: Slice | null): string {
  const where = readCondition(slice, quoteIdent, quoteLiteral);
  if (where !== null) return `${qualified(db, slice?.range && slice.value !== null ? slice.location : table)} WHERE ${where}`;
  return slice ? qualified(db, slice.location) : qualified(db, table);
}

/** Slices' rows (UNION ALL of their leaf tables), each tagged with its key in SLICE_COLUMN where it has one. */
function batchQuery(db: string, table: string, exprs: string[], slices: SlicePair[]): string {
  return slices
    .map(({ slice, key }) => {
      const tag = tagOf(key);
      return `SELECT ${[...exprs, ...(tag === null ? [] : [`${quoteLiteral(tag)} AS ${quoteIdent(SLICE_COLUMN)}`])].join(', ')} FROM ${fromClause(db, table, slice)}`;
    })
    .join(' UNION ALL ');
}

/** A slice's rows for verification, in this session (its canonical settings print intervals as ISO 8601). */
export function postgresProbe(client: pg.Client, from: string): SliceProbe {
  return { dialect: 'postgres', from, query: async (sql) => (await client.query<unknown[]>({ text: sql, rowMode: 'array' })).rows };
}

/**
 * Reads tables and leaf partitions with COPY … TO STDOUT. Everything a reader reads (rows, counts,
 * fingerprints) is read in one repeatable-read transaction held for its life: one snapshot, the
 * job's own when it is given one to join (`snapshot`, an exported snapshot's id: snapshot.ts).
 */
export class PostgresReader implements SourceReader {
  readonly changes: ChangeTracking;

  private constructor(private readonly client: pg.Client) {
    this.changes = postgresChanges(client, (natives) => this.typeDefinitions(natives));
  }

  static async open(conn: Connection, snapshot?: string): Promise<PostgresReader> {
    const client = await connectPostgres(conn, { readOnly: true });
    try {
      await client.query(CANONICAL_SESSION);
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      if (snapshot !== undefined) await joinSnapshot(client, snapshot);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    return new PostgresReader(client);
  }

  read(db: string, table: string, columns: DataColumn[], slice: Slice | null): AsyncIterable<Row[]> {
    const exprs = columns.map(readExpr);
    return readCopyRows(this.copyOut(`SELECT ${exprs.join(', ')} FROM ${fromClause(db, table, slice)}`), table, columns, READ_BATCH);
  }

  /**
   * CREATE TYPE statements for the enums and standalone composites among `natives` (an array's
   * element type for an array), each under the name the catalog prints: labels by quote_literal,
   * attributes by quote_ident and format_type, so nothing but the source's own names reach them.
   */
  async typeDefinitions(natives: string[]): Promise<Map<string, string>> {
    const names = [...new Set(natives.map(elementType))];
    const { rows } = await this.client.query<{ name: string; ddl: string }>(
      `SELECT n AS name, CASE t.typtype
          WHEN 'e' THEN 'AS ENUM (' || (SELECT coalesce(string_agg(quote_literal(enumlabel), ', ' ORDER BY enumsortorder), '') FROM pg_enum WHERE enumtypid = t.oid) || ')'
          ELSE 'AS (' || (SELECT coalesce(string_agg(quote_ident(attname) || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum), '') FROM pg_attribute WHERE attrelid = t.typrelid AND attnum > 0 AND NOT attisdropped) || ')'
        END AS ddl
       FROM unnest($1::text[]) AS n JOIN pg_type t ON t.oid = to_regtype(n)
       WHERE t.typtype = 'e' OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')`,
      [names],
    );
    return new Map(rows.map((r) => [r.name, `CREATE TYPE ${r.name} ${r.ddl}`]));
  }

  /**
   * Slices as raw COPY text, for a PostgreSQL destination to take as it is (the same-engine fast
   * path), all in one snapshot; each row ends with its slice's key where it has one (the
   * destination's slice column).
   */
  copyText(db: string, table: string, columns: DataColumn[], slices: SlicePair[], counted?: (rows: number) => void): AsyncIterable<Buffer> {
    return this.copyOut(batchQuery(db, table, columns.map((c) => quoteIdent(c.name)), slices), '', counted);
  }

  /**
   * A slice's rows as CSV (NULL unquoted and empty, an empty text `""`), each value in the text
   * `read` gives it, for a destination engine's own CSV reader.
   */
  csvText(db: string, table: string, columns: DataColumn[], slice: Slice | null, counted?: (rows: number) => void): AsyncIterable<Buffer> {
    return this.copyOut(`SELECT ${columns.map(valueExpr).join(', ')} FROM ${fromClause(db, table, slice)}`, ' WITH (FORMAT csv)', counted);
  }

  /** COPY (query) TO STDOUT, in the reader's snapshot; `counted` hears the rows its command tag reports. */
  private async *copyOut(query: string, options = '', counted?: (rows: number) => void): AsyncGenerator<Buffer> {
    const stream = this.client.query(copyTo(`COPY (${query}) TO STDOUT${options}`));
    let finished = false;
    try {
      yield* stream;
      finished = true;
      counted?.(stream.rowCount);
    } finally {
      // A consumer that stops early (a stopped job) leaves COPY mid-stream: that connection is done for.
      if (!finished) {
        stream.destroy();
        await this.client.end().catch(() => {});
      }
    }
  }

  probe(db: string, table: string, _columns: DataColumn[], slice: Slice | null): SliceProbe {
    return postgresProbe(this.client, fromClause(db, table, slice));
  }

  probeBatch(db: string, table: string, columns: DataColumn[], slices: SlicePair[]): SliceProbe {
    return postgresProbe(this.client, `(${batchQuery(db, table, columns.map((c) => quoteIdent(c.name)), slices)}) AS batch`);
  }

  async count(db: string, table: string, slice: Slice | null): Promise<number> {
    const { rows } = await this.client.query<{ n: string }>(`SELECT count(*) AS n FROM ${fromClause(db, table, slice)}`);
    return Number(rows[0]!.n);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {}); // already ended after an early stop
  }
}
