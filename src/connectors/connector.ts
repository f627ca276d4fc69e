import { Type, type Static } from '@sinclair/typebox';
import { decodeStored } from '../store/stored-json.js';
import type { Cuts } from './data.js';
/** What a catalog scan learns of one column. */
const ColumnMetaSchema = Type.Object({
  name: Type.String(),
  /** The engine's own type name, as the engine prints it. */
  nativeType: Type.String(),
  /** The logical type, in text form (connectors/types/logical.ts). */
  type: Type.String(),
  nullable: Type.Boolean(),
  comment: Type.Union([Type.String(), Type.Null()]),
});

export type ColumnMeta = Static<typeof ColumnMetaSchema>;

/** A catalog table's columns or partition columns, as the store keeps them (JSON). */
const ColumnList = Type.Array(ColumnMetaSchema);
export const decodeColumns = (text: string): ColumnMeta[] => decodeStored(ColumnList, text, 'column list');

export interface TableMeta {
  name: string;
  comment: string | null;
  columns: ColumnMeta[];
  /** Empty for a table without partitions. */
  partitionColumns: ColumnMeta[];
  /** For a partitioned table these cover no rows of their own: the scan adds up its partitions. */
  rows: number;
  size: number;
  lastModified: number | null;
  /** Changes whenever the table's schema or (unpartitioned) content changes. */
  fingerprint: string;
  /**
   * The integer key a table (or each partition of it) can be cut into chunks by (the column its
   * primary key starts with: never NULL, so every row falls in one range), with an unpartitioned
   * table's least and greatest values (null: no rows; a partitioned table's are its partitions').
   */
  chunkKey?: { column: string; min: string | null; max: string | null };
}

export interface PartitionMeta {
  spec: [column: string, value: string][];
  /** Where the partition lives: a child table or partition name, or a folder relative to the table. */
  location: string;
  /**
   * Every spec key is a column of the table and every row of the partition holds exactly the
   * spec's value in it (a one-value LIST partition, a Hive folder). Not so for RANGE, HASH,
   * DEFAULT, NULL or many-value partitions: their spec names the partition, not the rows' values.
   */
  exact: boolean;
  rows: number;
  size: number;
  lastModified: number | null;
  /** Changes whenever the partition's content changes. */
  fingerprint: string;
  /** Its least and greatest value of the table's chunkKey (null: no rows). */
  keyBounds?: { min: string | null; max: string | null };
}

/**
 * The catalog half of a connector: what a metadata scan reads. Connectors only read here,
 * inside read-only sessions; partitions stream in batches so no table's list is held whole.
 */
export interface SourceCatalog {
  /** Proves the connection and credentials work; throws a ConnectionError otherwise. */
  ping(): Promise<void>;
  databases(): Promise<string[]>;
  tables(db: string, only?: string[]): Promise<TableMeta[]>;
  partitions(db: string, table: TableMeta): AsyncIterable<PartitionMeta[]>;
  /**
   * Where an unpartitioned table without an integer key can be cut into chunks (connectors/cuts.ts),
   * null where nowhere. It may read the whole key: a scan asks only when the catalog holds none
   * for the table, or the table has doubled since.
   */
  cuts?(db: string, table: TableMeta): Promise<Cuts | null>;
  close(): Promise<void>;
}

/** A failure to reach or log in to an engine: the user's to fix, so the API answers 4xx. */
/** How long a server engine may take to accept a login before the connection test gives up. */
export const CONNECT_TIMEOUT_MS = 10_000;

export class ConnectionError extends Error {
  override name = 'ConnectionError';
  /** The driver's error code, kept so a task can tell a refused login from a server restarting (engine/failures.ts). */
  readonly code?: string;

  constructor(message: string, cause?: unknown) {
    super(message);
    const code = (cause as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string') this.code = code;
  }
}

export const PARTITION_BATCH = 500;
