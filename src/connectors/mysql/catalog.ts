import type mysql from 'mysql2/promise';
import type { Connection } from '../engines.js';
import { PARTITION_BATCH, type ColumnMeta, type PartitionMeta, type SourceCatalog, type TableMeta } from '../connector.js';
import { fingerprint } from '../fingerprint.js';
import { cutStep, MAX_CUTS } from '../cuts.js';
import type { Cuts } from '../data.js';
import { formatLogical } from '../types/logical.js';
import { connectMysql, qualified, quoteIdent } from './connect.js';
import { fromMysql } from './types.js';

const SYSTEM_DBS = ['mysql', 'information_schema', 'performance_schema', 'sys'];
/** Pseudo partition column for partitions that no single plain column names (HASH, KEY, expressions). */
export const PARTITION_NAME_COLUMN = '_partition';

interface PartitionRow {
  name: string;
  sub: string | null;
  method: string;
  expression: string | null;
  description: string | null;
  size: string;
  updated: string | null;
}

/** MySQL/MariaDB catalog: databases, tables and native partitions (subpartitions are the leaves). */
export class MysqlCatalog implements SourceCatalog {
  private constructor(
    private readonly c: mysql.Connection,
    private readonly only: string | undefined,
  ) {}

  static async open(conn: Connection): Promise<MysqlCatalog> {
    return new MysqlCatalog(await connectMysql(conn, { readOnly: true }), conn.database);
  }

  async ping(): Promise<void> {
    await this.c.query('SELECT 1');
  }

  async databases(): Promise<string[]> {
    const [rows] = await this.c.query<mysql.RowDataPacket[]>(
      'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (?) ORDER BY 1',
      [SYSTEM_DBS],
    );
    const names = rows.map((r) => r.name as string);
    return this.only ? names.filter((n) => n === this.only) : names;
  }

  async tables(db: string, only?: string[]): Promise<TableMeta[]> {
    const [tables] = await this.c.query<mysql.RowDataPacket[]>(
      `SELECT TABLE_NAME AS name, TABLE_COMMENT AS comment, CREATE_OPTIONS AS options, UPDATE_TIME AS updated
         FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`,
      [db],
    );
    const [cols] = await this.c.query<mysql.RowDataPacket[]>(
      `SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE = 'YES' AS nullable, COLUMN_COMMENT AS comment
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
      [db],
    );
    const columns = new Map<string, ColumnMeta[]>();
    for (const r of cols) {
      const list = columns.get(r.tbl) ?? [];
      list.push({ name: r.name, nativeType: r.type, type: formatLogical(fromMysql(r.type)), nullable: r.nullable === 1, comment: r.comment || null });
      columns.set(r.tbl, list);
    }
    const out: TableMeta[] = [];
    for (const t of tables) {
      if (only && !only.includes(t.name)) continue;
      const cs = columns.get(t.name) ?? [];
      const parts = await this.partitionRows(db, t.name);
      if (parts.length) {
        const keys = partitionKeys(parts[0]!, cs);
        const partitionColumns = keys.map((k) => cs.find((c) => c.name === k) ?? nameColumn(k));
        const key = await this.integerKey(db, t.name);
        out.push({ name: t.name, comment: t.comment || null, columns: cs, partitionColumns, rows: 0, size: 0, lastModified: null, fingerprint: fingerprint(cs, keys), ...(key !== null && { chunkKey: { column: key, min: null, max: null } }) });
      } else {
        const key = await this.integerKey(db, t.name);
        const stats = await this.contentStats(db, t.name, cs, null, key);
        out.push({
          name: t.name, comment: t.comment || null, columns: cs, partitionColumns: [], rows: stats.rows, size: stats.size, lastModified: null, fingerprint: fingerprint(cs, stats.signal),
          ...(key !== null && { chunkKey: { column: key, min: stats.min, max: stats.max } }),
        });
      }
    }
    return out;
  }

  async *partitions(db: string, table: TableMeta): AsyncIterable<PartitionMeta[]> {
    const rows = await this.partitionRows(db, table.name);
    const keys = table.partitionColumns.map((c) => c.name);
    let previousUpper: string | null = null;
    let batch: PartitionMeta[] = [];
    for (const [i, p] of rows.entries()) {
      const leaf = p.sub ?? p.name;
      let spec: [string, string][];
      if (keys[0] === PARTITION_NAME_COLUMN) spec = [[PARTITION_NAME_COLUMN, p.name]];
      else if (p.method.startsWith('LIST')) spec = [[keys[0]!, unquoteList(p.description ?? '')]];
      else spec = [[keys[0]!, previousUpper ?? 'MINVALUE']]; // RANGE: named by its lower bound
      if (p.sub) spec.push(['_subpartition', p.sub]);
      // One LIST value of a plain column, no subpartitions: the only spec that is its rows' value.
      const exact = keys[0] !== PARTITION_NAME_COLUMN && p.method.startsWith('LIST') && !p.sub && !/,|^NULL$/i.test(p.description ?? '');
      const key = table.chunkKey?.column ?? null;
      const stats = await this.contentStats(db, table.name, table.columns, leaf, key);
      batch.push({ spec, location: leaf, exact, rows: stats.rows, size: Number(p.size), lastModified: p.updated ? Date.parse(`${p.updated}Z`) : null, fingerprint: fingerprint(stats.signal), ...(key !== null && { keyBounds: { min: stats.min, max: stats.max } }) });
      // The next RANGE partition starts where this one ends (once per partition, not per subpartition).
      if (p.method.startsWith('RANGE') && rows[i + 1]?.name !== p.name) previousUpper = unquoteList(p.description ?? '');
      if (batch.length >= PARTITION_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }

  async close(): Promise<void> {
    await this.c.end();
  }

  private async partitionRows(db: string, table: string): Promise<PartitionRow[]> {
    const [rows] = await this.c.query<mysql.RowDataPacket[]>(
      `SELECT PARTITION_NAME AS name, SUBPARTITION_NAME AS sub, PARTITION_METHOD AS method, PARTITION_EXPRESSION AS expression,
              PARTITION_DESCRIPTION AS description, DATA_LENGTH + INDEX_LENGTH AS size, UPDATE_TIME AS updated
         FROM information_schema.PARTITIONS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND PARTITION_NAME IS NOT NULL
        ORDER BY PARTITION_ORDINAL_POSITION, SUBPARTITION_ORDINAL_POSITION`,
      [db, table],
    );
    return rows as PartitionRow[];
  }

  /**
   * Exact row count and a content checksum computed inside the engine: a sum of per-row CRC32s
   * over every column, with a null map so NULL and '' differ.
   */
  private async contentStats(db: string, table: string, cols: ColumnMeta[], partition: string | null, key: string | null = null) {
    const names = cols.map((c) => quoteIdent(c.name));
    const rowText = names.length ? `CONCAT_WS(0x1f, ${names.join(', ')}, CONCAT(${names.map((n) => `ISNULL(${n})`).join(', ')}))` : "''";
    const from = `${qualified(db, table)}${partition ? ` PARTITION (${quoteIdent(partition)})` : ''}`;
    const bounds = key === null ? 'NULL AS lo, NULL AS hi' : `CAST(MIN(${quoteIdent(key)}) AS CHAR) AS lo, CAST(MAX(${quoteIdent(key)}) AS CHAR) AS hi`;
    const [[r]] = await this.c.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n, COALESCE(SUM(CRC32(${rowText})), 0) AS crc, ${bounds} FROM ${from}`);
    let size = 0;
    if (!partition) {
      const [[s]] = await this.c.query<mysql.RowDataPacket[]>(
        'SELECT DATA_LENGTH + INDEX_LENGTH AS size FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
        [db, table],
      );
      size = Number(s?.size ?? 0);
    }
    return { rows: Number(r!.n), size, signal: [String(r!.n), String(r!.crc)], min: (r!.lo as string | null) ?? null, max: (r!.hi as string | null) ?? null };
  }

  /**
   * The integer column the table's primary key starts with, which it can be cut into chunks by
   * (ranges of it hold each row once, read in any snapshot); null if it has none.
   */
  private async integerKey(db: string, table: string): Promise<string | null> {
    const lead = await this.keyLead(db, table);
    return lead && /^(tinyint|smallint|mediumint|int|bigint)$/i.test(lead.type) ? lead.name : null;
  }

  /** The first column of the table's primary key, and its type (information_schema's DATA_TYPE). */
  private async keyLead(db: string, table: string): Promise<{ name: string; type: string } | null> {
    const [keys] = await this.c.query<mysql.RowDataPacket[]>(
      `SELECT k.COLUMN_NAME AS name, c.DATA_TYPE AS type FROM information_schema.KEY_COLUMN_USAGE k
         JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = k.TABLE_SCHEMA AND c.TABLE_NAME = k.TABLE_NAME AND c.COLUMN_NAME = k.COLUMN_NAME
        WHERE k.TABLE_SCHEMA = ? AND k.TABLE_NAME = ? AND k.CONSTRAINT_NAME = 'PRIMARY' AND k.ORDINAL_POSITION = 1`,
      [db, table],
    );
    return keys.length === 1 ? { name: keys[0]!.name as string, type: keys[0]!.type as string } : null;
  }

  /**
   * A table whose primary key starts with a text, temporal or uuid column is cut by its values, at
   * every `step`th row in its own order. These types compare with a quoted literal by the
   * column's collation or value (using its index); others (binary strings, decimals, floats) are
   * not cut.
   */
  async cuts(db: string, table: TableMeta): Promise<Cuts | null> {
    const step = cutStep(table.rows);
    if (table.partitionColumns.length || step === null) return null;
    const lead = await this.keyLead(db, table.name);
    if (!lead || !/^(char|varchar|date|datetime|timestamp|uuid)$/i.test(lead.type)) return null;
    const k = quoteIdent(lead.name);
    const [rows] = await this.c.query<mysql.RowDataPacket[]>(`SELECT CAST(${k} AS CHAR) AS b FROM (SELECT ${k}, ROW_NUMBER() OVER (ORDER BY ${k}) AS n FROM ${qualified(db, table.name)}) s WHERE n % ? = 0 ORDER BY n`, [step]);
    return { by: 'key', column: lead.name, bounds: rows.map((r) => String(r.b)).slice(0, MAX_CUTS), rows: table.rows };
  }
}

/** The partition key when it is one plain column; otherwise the partition name stands in. */
function partitionKeys(p: PartitionRow, cols: ColumnMeta[]): string[] {
  const m = /^`((?:[^`]|``)+)`$/.exec((p.expression ?? '').trim());
  const column = m ? m[1]!.replace(/``/g, '`') : null;
  const single = (p.method.startsWith('LIST') || p.method.startsWith('RANGE')) && column && cols.some((c) => c.name === column);
  return [single ? column! : PARTITION_NAME_COLUMN];
}

/** `'eu','us'` → `eu,us`; `10,20` → `10,20`. */
function unquoteList(description: string): string {
  return description
    .split(/,(?=(?:[^']*'[^']*')*[^']*$)/)
    .map((v) => v.trim().replace(/^'(.*)'$/s, '$1').replace(/''/g, "'").replace(/\\'/g, "'"))
    .join(',');
}

function nameColumn(name: string): ColumnMeta {
  return { name, nativeType: 'partition name', type: 'string', nullable: false, comment: null };
}
