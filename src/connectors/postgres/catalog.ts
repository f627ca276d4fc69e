import pg from 'pg';
import type { Connection } from '../engines.js';
import { PARTITION_BATCH, type ColumnMeta, type PartitionMeta, type SourceCatalog, type TableMeta } from '../connector.js';
import { fingerprint } from '../fingerprint.js';
import { cutStep, evenBounds, MAX_CUTS } from '../cuts.js';
import type { Cuts } from '../data.js';
import { formatLogical } from '../types/logical.js';
import { parseBound, type Bound } from './bounds.js';
import { connectPostgres, qualified, quoteIdent } from './connect.js';
import { fromPostgres } from './types.js';

const SYSTEM_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_toast'];
/** The integer types a key's chunks are key ranges of (at both ends); other keys are cut in the source's order. */
const INTEGER_TYPES = `('int2'::regtype, 'int4'::regtype, 'int8'::regtype)`;

interface Relation {
  oid: number;
  name: string;
  kind: string;
  comment: string | null;
}

/** PostgreSQL catalog: a "database" is a schema of the connected database; partitions are leaf child tables. */
export class PostgresCatalog implements SourceCatalog {
  private constructor(private readonly client: pg.Client) {}

  static async open(conn: Connection): Promise<PostgresCatalog> {
    return new PostgresCatalog(await connectPostgres(conn, { readOnly: true }));
  }

  async ping(): Promise<void> {
    await this.client.query('SELECT 1');
  }

  async databases(): Promise<string[]> {
    const { rows } = await this.client.query<{ name: string }>(
      `SELECT nspname AS name FROM pg_namespace
        WHERE nspname <> ALL($1) AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
        ORDER BY 1`,
      [SYSTEM_SCHEMAS],
    );
    return rows.map((r) => r.name);
  }

  async tables(db: string, only?: string[]): Promise<TableMeta[]> {
    const { rows: rels } = await this.client.query<Relation>(
      `SELECT c.oid::int AS oid, c.relname AS name, c.relkind AS kind, obj_description(c.oid, 'pg_class') AS comment
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND ($2::text[] IS NULL OR c.relname = ANY($2))
        ORDER BY c.relname`,
      [db, only ?? null],
    );
    if (rels.length === 0) return [];
    const columns = await this.columns(rels.map((r) => r.oid));
    const out: TableMeta[] = [];
    for (const rel of rels) {
      const cols = columns.get(rel.oid) ?? [];
      if (rel.kind === 'p') {
        const keys = await this.partitionKeyNames(rel.oid);
        const partitionColumns = keys.map((k) => cols.find((c) => c.name === k) ?? pseudoColumn(k));
        const key = await this.integerKey(rel.oid);
        out.push({
          name: rel.name, comment: rel.comment, columns: cols, partitionColumns,
          rows: 0, size: 0, lastModified: null, fingerprint: fingerprint(cols, keys),
          ...(key !== null && { chunkKey: { column: key, min: null, max: null } }),
        });
      } else {
        const key = await this.integerKey(rel.oid);
        const stats = await this.contentStats(qualified(db, rel.name), rel.oid, key);
        out.push({
          name: rel.name, comment: rel.comment, columns: cols, partitionColumns: [],
          rows: stats.rows, size: stats.size, lastModified: null, fingerprint: fingerprint(cols, stats.signal),
          ...(key !== null && { chunkKey: { column: key, min: stats.min, max: stats.max } }),
        });
      }
    }
    return out;
  }

  async *partitions(db: string, table: TableMeta): AsyncIterable<PartitionMeta[]> {
    const { rows: [root] = [] } = await this.client.query<{ oid: number }>(
      `SELECT c.oid::int AS oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
      [db, table.name],
    );
    if (!root) return;
    // Every leaf of the partition tree, with the bound of each level on its way down, read
    // through a cursor so a table with 100k partitions is never held whole.
    await this.client.query('BEGIN READ ONLY');
    try {
      await this.client.query(
        `DECLARE leaves NO SCROLL CURSOR FOR
         WITH RECURSIVE tree AS (
           SELECT c.oid, c.relname, c.relkind, ARRAY[pg_get_expr(c.relpartbound, c.oid)] AS bounds, ARRAY[i.inhparent] AS parents
             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1
           UNION ALL
           SELECT c.oid, c.relname, c.relkind, t.bounds || pg_get_expr(c.relpartbound, c.oid), t.parents || i.inhparent
             FROM tree t JOIN pg_inherits i ON i.inhparent = t.oid JOIN pg_class c ON c.oid = i.inhrelid
         )
         SELECT oid::int AS oid, relname AS name, bounds, parents::int[] AS parents FROM tree WHERE relkind = 'r' ORDER BY relname`,
        [root.oid],
      );
      const keyCache = new Map<number, string[]>();
      for (;;) {
        const { rows: leaves } = await this.client.query<{ oid: number; name: string; bounds: string[]; parents: number[] }>(`FETCH ${PARTITION_BATCH} FROM leaves`);
        if (leaves.length === 0) break;
        const batch: PartitionMeta[] = [];
        for (const leaf of leaves) {
          const spec: [string, string][] = [];
          let exact = true;
          for (let level = 0; level < leaf.bounds.length; level++) {
            const parent = leaf.parents[level]!;
            if (!keyCache.has(parent)) keyCache.set(parent, await this.partitionKeyNames(parent));
            const keys = keyCache.get(parent)!;
            const bound = parseBound(leaf.bounds[level]!);
            spec.push(...specPart(keys, bound));
            exact &&= bound.kind === 'list' && bound.values.length === 1 && bound.values[0] !== null && table.columns.some((c) => c.name === keys[0]);
          }
          const key = table.chunkKey?.column ?? null;
          const stats = await this.contentStats(qualified(db, leaf.name), leaf.oid, key);
          batch.push({ spec, location: leaf.name, exact, rows: stats.rows, size: stats.size, lastModified: null, fingerprint: fingerprint(stats.signal), ...(key !== null && { keyBounds: { min: stats.min, max: stats.max } }) });
        }
        yield batch;
      }
    } finally {
      await this.client.query('ROLLBACK');
    }
  }

  /**
   * A table whose primary key starts with a column of another type than an integer is cut by that
   * column's values, at every `step`th row in its own order (the order its ranges are read in). One
   * without a primary key is cut by pages, in ranges of equal width, where the server reads a ctid
   * range without reading the rest (a TID range scan, PostgreSQL 14 and later).
   */
  async cuts(db: string, table: TableMeta): Promise<Cuts | null> {
    const step = cutStep(table.rows);
    if (table.partitionColumns.length || step === null) return null;
    const { rows: [key] = [] } = await this.client.query<{ name: string | null; integer: boolean; pages: string; version: number }>(
      `SELECT a.attname AS name, a.atttypid IN ${INTEGER_TYPES} AS integer,
              pg_relation_size(c.oid) / current_setting('block_size')::int AS pages, current_setting('server_version_num')::int AS version
         FROM pg_class c LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE c.oid = $1::regclass`,
      [qualified(db, table.name)],
    );
    if (!key || key.integer) return null;
    if (key.name === null) {
      const bounds = key.version >= 140000 ? evenBounds(0n, BigInt(key.pages) - 1n, table.rows) : [];
      return bounds.length ? { by: 'pages', column: '', bounds, rows: table.rows } : null;
    }
    const k = quoteIdent(key.name);
    const { rows } = await this.client.query<{ b: string }>(`SELECT b FROM (SELECT ${k}::text AS b, row_number() OVER (ORDER BY ${k}) AS n FROM ${qualified(db, table.name)}) s WHERE n % $1 = 0 ORDER BY n`, [step]);
    return { by: 'key', column: key.name, bounds: rows.map((r) => r.b).slice(0, MAX_CUTS), rows: table.rows };
  }

  async close(): Promise<void> {
    await this.client.end();
  }

  private async columns(oids: number[]): Promise<Map<number, ColumnMeta[]>> {
    const { rows } = await this.client.query<{ rel: number; name: string; type: string; nullable: boolean; comment: string | null }>(
      `SELECT a.attrelid::int AS rel, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
              NOT a.attnotnull AS nullable, col_description(a.attrelid, a.attnum) AS comment
         FROM pg_attribute a WHERE a.attrelid = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum`,
      [oids],
    );
    const out = new Map<number, ColumnMeta[]>();
    for (const r of rows) {
      const list = out.get(r.rel) ?? [];
      list.push({ name: r.name, nativeType: r.type, type: formatLogical(fromPostgres(r.type)), nullable: r.nullable, comment: r.comment });
      out.set(r.rel, list);
    }
    return out;
  }

  /** Key column names of a partitioned table; an expression key is named by its expression. */
  private async partitionKeyNames(oid: number): Promise<string[]> {
    const { rows } = await this.client.query<{ name: string }>(
      `SELECT COALESCE(a.attname, pg_get_partkeydef($1)) AS name
         FROM pg_partitioned_table p, unnest(p.partattrs::int2[]) WITH ORDINALITY AS k(attnum, ord)
         LEFT JOIN pg_attribute a ON a.attrelid = $1 AND a.attnum = k.attnum AND k.attnum > 0
        WHERE p.partrelid = $1 ORDER BY k.ord`,
      [oid],
    );
    return rows.map((r) => r.name);
  }

  /**
   * Exact row count, size, and a change signal: the newest row version's transaction id moves on
   * every insert or update, the count on every delete, the file node on TRUNCATE.
   */
  private async contentStats(relation: string, oid: number, key: string | null = null) {
    const bounds = key === null ? 'NULL AS min, NULL AS max' : `min(${quoteIdent(key)})::text AS min, max(${quoteIdent(key)})::text AS max`;
    const { rows: [r] } = await this.client.query<{ rows: string; newest: string; size: string; node: string; min: string | null; max: string | null }>(
      `SELECT count(*) AS rows, COALESCE(max(xmin::text::bigint), 0) AS newest,
              pg_total_relation_size($1) AS size, pg_relation_filenode($1) AS node, ${bounds}
         FROM ONLY ${relation}`,
      [oid],
    );
    return { rows: Number(r!.rows), size: Number(r!.size), signal: [r!.rows, r!.newest, r!.node], min: r!.min, max: r!.max };
  }

  /**
   * The integer column the table's primary key starts with, which it can be cut into chunks by
   * (ranges of it hold each row once, read in any snapshot); null if it has none.
   */
  private async integerKey(oid: number): Promise<string | null> {
    const { rows } = await this.client.query<{ name: string }>(
      `SELECT a.attname AS name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE i.indrelid = $1 AND i.indisprimary AND a.atttypid IN ${INTEGER_TYPES}`,
      [oid],
    );
    return rows[0]?.name ?? null;
  }
}

function pseudoColumn(name: string): ColumnMeta {
  return { name, nativeType: 'expression', type: 'string', nullable: true, comment: null };
}

/** One level's (column, value) pairs. A RANGE partition is named by its lower bound. */
function specPart(keys: string[], bound: Bound): [string, string][] {
  switch (bound.kind) {
    case 'list':
      return [[keys[0]!, bound.values.map((v) => v ?? 'NULL').join(',')]];
    case 'range':
      return keys.map((k, i) => [k, bound.from[i] ?? 'MINVALUE']);
    case 'hash':
      return [[keys.join(','), `hash(${bound.modulus},${bound.remainder})`]];
    case 'default':
      return keys.map((k) => [k, 'DEFAULT']);
  }
}

