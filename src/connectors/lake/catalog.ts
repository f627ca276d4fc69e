import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '../engines.js';
import { ConnectionError, PARTITION_BATCH, type ColumnMeta, type PartitionMeta, type SourceCatalog, type TableMeta } from '../connector.js';
import { openDuck, quoteLiteral, type DuckSession } from '../duckdb/connect.js';
import { fromDuckdb } from '../duckdb/types.js';
import { fingerprint } from '../fingerprint.js';
import { boundsByRows, cutStep, fileBound } from '../cuts.js';
import type { Cuts } from '../data.js';
import { formatLogical } from '../types/logical.js';
import { dbFolder, DEFAULT_DB, folderFiles, leaves, listDirs, type Leaf } from './layout.js';
import { pinFolder, type PinnedFolder } from '../pinned.js';

/** Partition values sampled to type a partition column: integers only → int64, else string. */
const TYPE_SAMPLE = 500;

/** Hive-layout Parquet lake: schema from the files (read by DuckDB), partitions from the folders. */
export class LakeCatalog implements SourceCatalog {
  private constructor(
    private readonly pinned: PinnedFolder,
    private readonly duck: DuckSession,
  ) {}

  /** The lake's folder, pinned (connectors/pinned.ts): what is scanned is below the folder checked. */
  private get root(): string {
    return this.pinned.path;
  }

  static async open(conn: Connection): Promise<LakeCatalog> {
    const path = conn.path!;
    if (!existsSync(path) || !statSync(path).isDirectory()) throw new ConnectionError(`lake folder ${path} does not exist`);
    const root = pinFolder(path);
    try {
      return new LakeCatalog(root, await openDuck(':memory:', { readOnly: false, scratch: conn.scratch }));
    } catch (err) {
      root.close();
      throw err;
    }
  }

  async ping(): Promise<void> {
    await listDirs(this.root);
  }

  async databases(): Promise<string[]> {
    const dirs = await listDirs(this.root);
    const dbs = dirs.filter((d) => d.endsWith('.db')).map((d) => d.slice(0, -3));
    return dirs.some((d) => !d.endsWith('.db')) ? [DEFAULT_DB, ...dbs] : dbs;
  }

  async tables(db: string, only?: string[]): Promise<TableMeta[]> {
    const dir = dbFolder(this.root, db);
    if (!existsSync(dir)) return [];
    const out: TableMeta[] = [];
    for (const name of await listDirs(dir)) {
      if ((db === DEFAULT_DB && name.endsWith('.db')) || (only && !only.includes(name))) continue;
      const sample: Leaf[] = [];
      for await (const leaf of leaves(join(dir, name))) {
        sample.push(leaf);
        if (sample.length >= TYPE_SAMPLE) break;
      }
      if (sample.length === 0) continue; // a folder without Parquet files is not a table
      const columns = await this.fileColumns(join(dir, name, sample[0]!.files[0]!.rel));
      const keys = sample[0]!.spec.map(([k]) => k);
      // A partition column the files hold too (OpenMMS writes them so) is read from the files, with
      // their type; only one that lives in folder names alone is typed from them.
      const partitionColumns: ColumnMeta[] = keys.map((k, i) => {
        const inFiles = columns.find((c) => c.name === k);
        if (inFiles) return inFiles;
        const integral = sample.every((l) => /^-?\d{1,18}$/.test(l.spec[i]?.[1] ?? ''));
        return { name: k, nativeType: 'folder', type: integral ? 'int64' : 'string', nullable: false, comment: null };
      });
      if (keys.length) {
        out.push({ name, comment: null, columns, partitionColumns, rows: 0, size: 0, lastModified: null, fingerprint: fingerprint(columns, partitionColumns) });
      } else {
        const part = await this.describe(join(dir, name), sample[0]!);
        out.push({ name, comment: null, columns, partitionColumns: [], rows: part.rows, size: part.size, lastModified: part.lastModified, fingerprint: fingerprint(columns, part.fingerprint) });
      }
    }
    return out;
  }

  async *partitions(db: string, table: TableMeta): AsyncIterable<PartitionMeta[]> {
    if (table.partitionColumns.length === 0) return;
    const tableDir = join(dbFolder(this.root, db), table.name);
    let batch: Leaf[] = [];
    for await (const leaf of leaves(tableDir)) {
      if (leaf.spec.length === 0) continue; // files beside the partition folders belong to none
      batch.push(leaf);
      if (batch.length >= PARTITION_BATCH) {
        yield await this.describeAll(tableDir, batch);
        batch = [];
      }
    }
    if (batch.length) yield await this.describeAll(tableDir, batch);
  }

  /**
   * A table without partitions is cut between its row groups, in file name order, at about every
   * `step`th row (counted in their footers): a chunk reads whole row groups, which DuckDB skips by
   * their row numbers.
   */
  async cuts(db: string, table: TableMeta): Promise<Cuts | null> {
    const step = cutStep(table.rows);
    if (table.partitionColumns.length || step === null) return null;
    const tableDir = join(dbFolder(this.root, db), table.name);
    const names = folderFiles(tableDir);
    if (names.length === 0) return null;
    const groups = await this.duck.all<{ file: string; rows: bigint }>(
      `SELECT file_name AS file, row_group_num_rows AS rows FROM parquet_metadata([${names.map((n) => quoteLiteral(join(tableDir, n))).join(', ')}]) WHERE column_id = 0 ORDER BY row_group_id`,
    );
    const byFile = new Map<string, { rows: bigint }[]>();
    for (const g of groups) (byFile.get(g.file) ?? byFile.set(g.file, []).get(g.file)!).push(g);
    const items = names.flatMap((name) => {
      let start = 0;
      return (byFile.get(join(tableDir, name)) ?? []).map((g) => {
        const item = { name: fileBound(name, start), rows: Number(g.rows) };
        start += item.rows;
        return item;
      });
    });
    const bounds = boundsByRows(items, step);
    return bounds.length ? { by: 'file', column: '', bounds, rows: table.rows } : null;
  }

  async close(): Promise<void> {
    this.duck.close();
    this.pinned.close();
  }

  private async fileColumns(file: string): Promise<ColumnMeta[]> {
    const rows = await this.duck.all<{ name: string; type: string }>(
      `SELECT column_name AS name, column_type AS type FROM (DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(file)}, hive_partitioning = false))`,
    );
    return rows.map((r) => ({ name: r.name, nativeType: r.type, type: formatLogical(fromDuckdb(r.type)), nullable: true, comment: null }));
  }

  private async describe(tableDir: string, leaf: Leaf): Promise<PartitionMeta> {
    return (await this.describeAll(tableDir, [leaf]))[0]!;
  }

  /** Row counts from the Parquet footers (no data read) of a whole batch in one query. */
  private async describeAll(tableDir: string, batch: Leaf[]): Promise<PartitionMeta[]> {
    const files = batch.flatMap((l) => l.files.map((f) => join(tableDir, f.rel)));
    const counts = await this.duck.all<{ file: string; rows: bigint }>(
      `SELECT file_name AS file, num_rows AS rows FROM parquet_file_metadata([${files.map(quoteLiteral).join(', ')}])`,
    );
    const rowsByFile = new Map(counts.map((c) => [c.file, Number(c.rows)]));
    return batch.map((l) => ({
      spec: l.spec,
      location: l.rel,
      exact: true, // a Hive folder's value is its rows' value by definition
      rows: l.files.reduce((n, f) => n + (rowsByFile.get(join(tableDir, f.rel)) ?? 0), 0),
      size: l.files.reduce((n, f) => n + f.size, 0),
      lastModified: Math.max(...l.files.map((f) => Math.floor(f.mtimeMs))),
      fingerprint: fingerprint(l.files.map((f) => [f.rel, f.size, f.mtimeMs])),
    }));
  }
}
