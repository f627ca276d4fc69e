import { once } from 'node:events';
import pg from 'pg';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';
import type { Connection } from '../engines.js';
import { isCutTag, keyIndexName, keyText, linesIn, otherTagsCondition, SLICE_COLUMN, tableAsNeeded, type EnsuredTable, type TableSchema, sliceCondition, slicesCondition, tagOf, type BeforeCommit, type CopyWatch, type DataColumn, type DestinationWriter, type Row, type SliceKey, type SlicePair, type SliceProbe, type SourceReader, type KeyRange } from '../data.js';
import { connectPostgres, qualified, quoteIdent } from './connect.js';
import { quoteLiteral } from '../sql.js';
import { encodeCopyRow } from './copy-text.js';
import { CANONICAL_SESSION, PostgresReader, postgresProbe } from './reader.js';
import { elementType, toPostgres } from './types.js';

/**
 * Source types whose COPY text the destination column (the same logical type, mapped back) reads
 * as the same value. `money` is not one: its text carries a currency sign (it is read as numeric).
 */
const PASSTHROUGH_TYPES =
  /^(boolean|smallint|integer|bigint|real|double precision|numeric(\(\d+(,\d+)?\))?|text|character varying(\(\d+\))?|character\(\d+\)|bytea|date|time(\(\d\))? with(out)? time zone|timestamp(\(\d\))? with(out)? time zone|jsonb?|uuid|interval)(\[\])?$/;

/** Bytes of COPY text sent to the server at once. */
const COPY_CHUNK = 256 * 1024;

/**
 * Writes with COPY … FROM STDIN. A slice is replaced inside one transaction (DELETE its rows, COPY
 * the new ones, COMMIT), so readers see the old rows or the new ones and a failure rolls back.
 */
export class PostgresWriter implements DestinationWriter {
  private constructor(private readonly client: pg.Client) {}

  static async open(conn: Connection): Promise<PostgresWriter> {
    const client = await connectPostgres(conn, { readOnly: false });
    await client.query(CANONICAL_SESSION);
    return new PostgresWriter(client);
  }

  /**
   * Tasks of one table may start at once on several workers: the DDL runs in one transaction under
   * a lock per destination schema, so one creates and the others find it created.
   */
  async ensureTable(db: string, table: string, columns: DataColumn[], partitioned: boolean, { key, alter = true, types: definitions, cutChunks = false }: TableSchema = {}): Promise<EnsuredTable> {
    const target = qualified(db, table);
    const names = [...columns.map((c) => c.name), ...(partitioned ? [SLICE_COLUMN] : [])];
    // Most tasks find the table as an earlier task left it: no transaction, no lock to wait for, no type to look up.
    const present = await this.columnsOf(db, table);
    if (!alter) {
      tableAsNeeded(`${db}.${table}`, new Set(present.keys()), names);
      return { types: present, notes: [] };
    }
    // A key's B-tree for lookups (indexForLookups) replaces its BRIN index.
    const keyIndex = key === undefined ? null : keyIndexName(db, table, key);
    const exists = async (index: string | null) => index === null || (await this.hasIndex(db, index));
    const keyIndexed = async () => key === undefined || (await exists(keyIndexName(db, table, key, true))) || (await exists(keyIndex));
    const tagIndex = cutChunks ? keyIndexName(db, table, SLICE_COLUMN) : null;
    if (names.every((n) => present.has(n)) && (await keyIndexed()) && (await exists(tagIndex))) {
      if (key !== undefined) await this.summarize(db, table, key);
      if (cutChunks) await this.summarize(db, table, SLICE_COLUMN);
      return { types: present, notes: [] };
    }
    const { types, notes } = await this.typesFor(columns, definitions);
    const wanted = [...columns.map((c, i) => [c.name, types[i]!]), ...(partitioned ? [[SLICE_COLUMN, 'text']] : [])];
    await this.ddl(`openmms:ddl:${db}`, async () => {
      await this.client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(db)}`);
      const have = await this.columnsOf(db, table);
      if (have.size === 0) {
        await this.client.query(`CREATE TABLE ${target} (${wanted.map(([n, t]) => `${quoteIdent(n!)} ${t}`).join(', ')})`);
        if (partitioned && !cutChunks) await this.client.query(`CREATE INDEX ON ${target} (${quoteIdent(SLICE_COLUMN)})`);
      } else {
        for (const [name, type] of wanted) {
          if (!have.has(name!)) await this.client.query(`ALTER TABLE ${target} ADD COLUMN ${quoteIdent(name!)} ${type}`);
        }
      }
      // Chunks are replaced by key range: each DELETE and check finds its rows through the index. A
      // chunk's rows arrive together, in adjacent pages, so a BRIN index (a key range per block of
      // pages) finds them nearly as well as a B-tree, at a fraction of its cost per row written.
      if (!(await keyIndexed())) await this.client.query(`CREATE INDEX IF NOT EXISTS ${quoteIdent(keyIndex!)} ON ${target} USING brin (${quoteIdent(key!)}) WITH (autosummarize = on)`);
      // Cut chunks' tags likewise, a chunk's rows written together; but chunks loading side by side
      // interleave their pages, and a min/max of hashed tags would match most blocks: a bloom
      // summary (PostgreSQL 14+; before, a B-tree) tells which blocks may hold a tag.
      if (tagIndex !== null) {
        const bloom = (await this.client.query<{ v: number }>(`SELECT current_setting('server_version_num')::int AS v`)).rows[0]!.v >= 140000;
        const using = bloom ? `brin (${quoteIdent(SLICE_COLUMN)} text_bloom_ops) WITH (autosummarize = on)` : `btree (${quoteIdent(SLICE_COLUMN)})`;
        await this.client.query(`CREATE INDEX IF NOT EXISTS ${quoteIdent(tagIndex)} ON ${target} USING ${using}`);
      }
    });
    return { types: await this.columnsOf(db, table), notes };
  }

  /**
   * Brings the BRIN index of the key (or of cut chunks' tags) up to date with the pages written since it was last summarized. A
   * BRIN index knows nothing of pages added after its creation until they are summarized (vacuum
   * does it, when it comes by): until then every query by key range reads them all, a table's
   * whole copy instead of one chunk's. Best effort: a lock held by a vacuum (which summarizes
   * anyway), or an index this role does not own, leaves it as it is.
   */
  private async summarize(db: string, table: string, key: string): Promise<void> {
    const index = quoteLiteral(qualified(db, keyIndexName(db, table, key)));
    await this.client
      .query(`BEGIN; SET LOCAL lock_timeout = '100ms'; SELECT brin_summarize_new_values(to_regclass(${index})); COMMIT`)
      .catch(() => this.client.query('ROLLBACK').catch(() => {}));
  }

  /**
   * A B-tree on the key, in place of its BRIN index. Built from the whole table at once: sorting the
   * keys once costs less than keeping a B-tree in order while chunks load side by side. The tasks of
   * one table take turns on a lock of its own, so one builds it and the others find it built. The
   * BRIN index goes: beside the B-tree, the planner would still pick it for a list of keys (its
   * estimate is cheap; each key matches a whole range of pages). Then the table is analyzed:
   * without statistics (a table loaded moments ago has none until autovacuum comes by) the planner
   * takes a list of a few hundred keys for most of the table, and reads it all.
   */
  async indexForLookups(db: string, table: string, column: string): Promise<'built' | 'present'> {
    const index = keyIndexName(db, table, column, true);
    if (await this.hasIndex(db, index)) return 'present';
    let built = false;
    await this.ddl(`openmms:lookups:${db}.${table}`, async () => {
      if (await this.hasIndex(db, index)) return;
      await this.client.query(`CREATE INDEX ${quoteIdent(index)} ON ${qualified(db, table)} (${quoteIdent(column)})`);
      await this.client.query(`DROP INDEX IF EXISTS ${qualified(db, keyIndexName(db, table, column))}`);
      built = true;
    });
    if (!built) return 'present';
    await this.client.query(`ANALYZE ${qualified(db, table)}`);
    return 'built';
  }

  /** Whether the schema `db` holds a usable index of this name (a failed concurrent build leaves an invalid one). */
  private async hasIndex(db: string, index: string): Promise<boolean> {
    return (await this.client.query('SELECT 1 FROM pg_index WHERE indexrelid = to_regclass($1) AND indisvalid', [qualified(db, index)])).rowCount! > 0;
  }

  /**
   * Runs DDL in one transaction that starts after `key`'s lock is held. Taking the lock first, outside
   * it, matters: a session reads the catalog through caches it refreshes when a transaction starts
   * (not when an advisory lock is granted), so a transaction that waited on the lock could still
   * miss the schema, table or type its predecessor just created, and create it again.
   */
  private async ddl(key: string, run: () => Promise<void>): Promise<void> {
    await this.client.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    try {
      await this.client.query('BEGIN');
      try {
        await run();
        await this.client.query('COMMIT');
      } catch (err) {
        await this.client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    } finally {
      await this.client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => {});
    }
  }

  /**
   * Each column's type here. A PostgreSQL source's column (`native`, its format_type) keeps its own
   * type (json stays json, numeric[] numeric[], an enum or composite its type) where this database
   * has a type of that name, or it is one of the source's own (`sourceTypes`) and is created here;
   * to_regtype parses the whole name as one, so nothing else reaches the DDL. Otherwise, and for
   * money (its text depends on the server's locale), the logical type's.
   */
  private async typesFor(columns: DataColumn[], sourceTypes?: () => Promise<ReadonlyMap<string, string>>): Promise<{ types: string[]; notes: string[] }> {
    const natives = [...new Set(columns.flatMap((c) => (c.native !== undefined && c.native !== 'money' ? [c.native] : [])))];
    const existing = async () =>
      new Set(natives.length ? (await this.client.query<{ name: string }>('SELECT n AS name FROM unnest($1::text[]) AS n WHERE to_regtype(n) IS NOT NULL', [natives])).rows.map((r) => r.name) : []);
    let known = await existing();
    const notes: string[] = [];
    const lacking = natives.filter((n) => !known.has(n));
    // The source is asked for definitions only when the destination lacks a type.
    const definitions = lacking.length > 0 && sourceTypes ? await sourceTypes() : undefined;
    const missing = [...new Set(lacking.map(elementType))].filter((n) => definitions?.has(n));
    // A composite may hold another type of the source's: what failed is tried again while others get created.
    let failed = new Map<string, string>();
    for (let left = missing; left.length; ) {
      const before = left.length;
      failed = new Map();
      for (const name of left) {
        const why = await this.createType(name, definitions!.get(name)!);
        if (why !== null) failed.set(name, why);
      }
      left = [...failed.keys()];
      if (left.length === before) break;
    }
    for (const [name, why] of failed) notes.push(`the type ${name} could not be created (${why})`);
    if (missing.length) known = await existing();
    const types = columns.map((c) => {
      if (c.native === undefined || c.native === 'money') return toPostgres(c.type);
      if (known.has(c.native)) return c.native;
      notes.push(`column ${c.name}: the destination database has no type ${c.native}, so the column is ${toPostgres(c.type)}, holding its text; create the type there first to keep it`);
      return toPostgres(c.type);
    });
    return { types, notes };
  }

  /** Creates a type the source has (tasks of several tables may want it at once: one creates it); the reason it could not, if not. */
  private async createType(name: string, ddl: string): Promise<string | null> {
    try {
      await this.ddl('openmms:ddl:types', async () => {
        const { rows } = await this.client.query<{ present: boolean }>('SELECT to_regtype($1) IS NOT NULL AS present', [name]);
        if (!rows[0]!.present) await this.client.query(ddl);
      });
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  }

  /** The table's columns and their types (none: no such table), from the catalog directly (information_schema's views are slow). */
  private async columnsOf(db: string, table: string): Promise<Map<string, string>> {
    const { rows } = await this.client.query<{ name: string; type: string }>(
      'SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped',
      [qualified(db, table)],
    );
    return new Map(rows.map((r) => [r.name, r.type]));
  }

  replace(db: string, table: string, columns: DataColumn[], slice: SliceKey | null, rows: AsyncIterable<Row[]>, beforeCommit?: BeforeCommit): Promise<number> {
    const types = columns.map((c) => c.type);
    const tag = tagOf(slice);
    const tail = tag === null ? [] : [tag];
    return this.replaceWith(db, table, columns, slice === null ? null : [slice], beforeCommit, async (copy) => {
      let written = 0;
      for await (const batch of rows) {
        // Back-pressure: wait for the server to take what was sent before reading more.
        if (!copy.write(batch.map((r) => encodeCopyRow(r, types, tail)).join(''))) await once(copy, 'drain');
        written += batch.length;
      }
      return written;
    });
  }

  /**
   * PostgreSQL's COPY text passes through where the destination column reads it as the same value:
   * the types above, any type into a column of that type (kept: ensureTable), and any into text.
   */
  takesFrom(reader: SourceReader, columns: DataColumn[], dstColumns: DataColumn[]): boolean {
    const passes = (c: DataColumn, i: number) =>
      c.native !== undefined && (PASSTHROUGH_TYPES.test(c.native) || (c.native !== 'money' && (dstColumns[i]?.native === c.native || dstColumns[i]?.native === 'text')));
    return reader instanceof PostgresReader && columns.every(passes);
  }

  async replaceFrom(
    reader: SourceReader,
    from: { db: string; table: string },
    slices: SlicePair[],
    db: string,
    table: string,
    columns: DataColumn[],
    dstColumns: DataColumn[],
    watch: CopyWatch,
    beforeCommit?: BeforeCommit,
  ): Promise<{ rows: number; bytes: number }> {
    if (!this.takesFrom(reader, columns, dstColumns)) throw new Error('replaceFrom: these columns cannot pass through');
    const keys = slices.every((s) => s.key !== null) ? slices.map((s) => s.key!) : null;
    const text = (reader as PostgresReader).copyText(from.db, from.table, columns, slices, watch.sourceRows);
    let bytes = 0;
    const rows = await this.replaceWith(db, table, dstColumns, keys, beforeCommit, async (copy) => {
      let lines = 0;
      // The source sends a message per row: passed on one by one, each would cost a socket write.
      let held: Buffer[] = [];
      let heldBytes = 0;
      const flush = async () => {
        const chunk = Buffer.concat(held, heldBytes);
        held = [];
        heldBytes = 0;
        const n = linesIn(chunk);
        lines += n;
        bytes += chunk.length;
        watch.progress(n, chunk.length);
        if (!copy.write(chunk)) await once(copy, 'drain');
      };
      for await (const chunk of text) {
        if (watch.signal.aborted) throw new Error('stopped');
        held.push(chunk);
        heldBytes += chunk.length;
        if (heldBytes >= COPY_CHUNK) await flush();
      }
      if (heldBytes) await flush();
      return lines;
    });
    return { rows, bytes };
  }

  /**
   * DELETE the slices' rows (`keys`; null: the whole table's) and COPY the new ones in one
   * transaction; `feed` writes the COPY data; `beforeCommit` checks them before the COMMIT, on
   * this session, which sees them.
   */
  private async replaceWith(db: string, table: string, columns: DataColumn[], keys: SliceKey[] | null, beforeCommit: BeforeCommit | undefined, feed: (copy: CopyStreamQuery) => Promise<number>): Promise<number> {
    const target = qualified(db, table);
    const names = [...columns.map((c) => quoteIdent(c.name)), ...(keys?.some((k) => tagOf(k) !== null) ? [quoteIdent(SLICE_COLUMN)] : [])];
    let copy: CopyStreamQuery | undefined;
    let refused: Error | undefined;
    try {
      // One round trip (the simple protocol, so values are quoted literals; standard_conforming_strings
      // is on): two writers of one slice (a worker presumed dead that is not) take turns on its lock,
      // so the second DELETE sees the first's rows: replaced, never doubled. Locks are taken in one
      // order, so two batches sharing slices cannot deadlock.
      const locks = [...new Set((keys ?? [null]).map((k) => `openmms:${db}.${table}/${keyText(k)}`))].sort();
      const lock = `SELECT pg_advisory_xact_lock(hashtext(k)) FROM (SELECT unnest(ARRAY[${locks.map(quoteLiteral).join(', ')}]::text[]) AS k ORDER BY 1) AS l`;
      const remove = `DELETE FROM ${target}${keys === null ? '' : ` WHERE ${slicesCondition(keys, quoteIdent, quoteLiteral)}`}`;
      await this.client.query(`BEGIN; SET LOCAL standard_conforming_strings = on; ${lock}; ${remove}`);
      copy = this.client.query(copyFrom(`COPY ${target} (${names.join(', ')}) FROM STDIN`));
      copy.on('error', (e: Error) => (refused ??= e));
      const done = once(copy, 'finish');
      done.catch(() => {}); // awaited below; on failure the catch block reports the cause
      const written = await feed(copy);
      copy.end();
      await done;
      await beforeCommit?.(keys !== null && keys.length > 1 ? this.probeBatch(db, table, keys as string[]) : this.probe(db, table, keys?.[0] ?? null));
      await this.client.query('COMMIT');
      // A chunk's pages summarized at once: the next chunk's checks read their own range (or tag) only.
      const range = keys?.find((k): k is KeyRange => typeof k !== 'string');
      if (range !== undefined) await this.summarize(db, table, range.column);
      if (keys?.some((k) => typeof k === 'string' && isCutTag(k))) await this.summarize(db, table, SLICE_COLUMN);
      return written;
    } catch (err) {
      // The server refused the COPY first (a constraint, a full disk): its reason is the one to report.
      const serverFirst = refused;
      if (copy && !copy.writableFinished) {
        // Abort the COPY (the server gets CopyFail) before rolling the transaction back.
        const closed = once(copy, 'close').catch(() => {});
        copy.on('error', () => {}); // the server's answer to CopyFail; `err` is what we report
        copy.destroy(err as Error);
        await closed;
      }
      await this.client.query('ROLLBACK').catch(() => {});
      throw serverFirst ?? err;
    }
  }

  probe(db: string, table: string, slice: SliceKey | null): SliceProbe {
    return postgresProbe(this.client, this.rowsOf(db, table, slice));
  }

  probeBatch(db: string, table: string, keys: string[]): SliceProbe {
    return postgresProbe(this.client, `${qualified(db, table)} WHERE ${slicesCondition(keys, quoteIdent, quoteLiteral)}`);
  }

  async removeOtherTags(db: string, table: string, keep: string[]): Promise<void> {
    await this.client.query(`DELETE FROM ${qualified(db, table)} WHERE ${otherTagsCondition(keep, quoteIdent, quoteLiteral)}`);
  }

  async count(db: string, table: string, slice: SliceKey | null): Promise<number> {
    const { rows } = await this.client.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.rowsOf(db, table, slice)}`);
    return Number(rows[0]!.n);
  }

  /** A slice's rows (the whole table's for null) as a FROM item. */
  private rowsOf(db: string, table: string, slice: SliceKey | null): string {
    return `${qualified(db, table)}${slice === null ? '' : ` WHERE ${sliceCondition(slice, quoteIdent, quoteLiteral)}`}`;
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}
