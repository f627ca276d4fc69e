import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Table types of the metadata store. Both dialects store the same shapes:
 * times are epoch milliseconds, booleans are 0/1 integers, JSON is text.
 * Keeping one representation means one query layer serves SQLite and PostgreSQL.
 */
export interface Database {
  datasources: DataSourceTable;
  catalog_dbs: CatalogDbTable;
  catalog_tables: CatalogTableTable;
  catalog_partitions: CatalogPartitionTable;
  jobs: JobTable;
  job_tables: JobTableTable;
}

export type MigrationStatus = 'INIT' | 'DOING' | 'DONE' | 'FAILED' | 'PART_DONE';
export type JobStatus = 'INIT' | 'DOING' | 'DONE' | 'FAILED';
export type JobType = 'Database' | 'Tables' | 'Partitions';

export interface DataSourceTable {
  id: Generated<number>;
  name: string;
  type: string;
  /** Connection settings with every secret removed (JSON). */
  config: string;
  /** Secrets of the connection settings, encrypted (see security/secrets.ts). */
  secrets: string;
  status: string;
  err_msg: string | null;
  last_update_time: number | null;
  db_num: number;
  table_num: number;
  partition_num: number;
  create_time: number;
  update_time: number;
}

export interface CatalogDbTable {
  id: Generated<number>;
  source_id: number;
  name: string;
  status: MigrationStatus;
  updated: number;
  table_num: number;
  partition_num: number;
  size: number;
  num_rows: number;
  fingerprint: string | null;
  last_ddl_time: number | null;
  create_time: number;
  update_time: number;
}

export interface CatalogTableTable {
  id: Generated<number>;
  source_id: number;
  db_id: number;
  name: string;
  schema_name: string | null;
  /** Columns as JSON: [{name, type, nullable, comment}] */
  columns: string;
  /** Partition columns as JSON, same shape as columns. */
  partition_columns: string;
  has_partitions: number;
  status: MigrationStatus;
  updated: number;
  num_rows: number;
  size: number;
  fingerprint: string | null;
  last_ddl_time: number | null;
  create_time: number;
  update_time: number;
}

export interface CatalogPartitionTable {
  id: Generated<number>;
  source_id: number;
  db_id: number;
  table_id: number;
  /** Canonical text form p1=v1/p2=v2 with escaped values. */
  value: string;
  status: MigrationStatus;
  updated: number;
  num_rows: number;
  size: number;
  fingerprint: string | null;
  last_ddl_time: number | null;
  create_time: number;
  update_time: number;
}

export interface JobTable {
  id: Generated<number>;
  source_id: number;
  db_id: number;
  name: string;
  src_db_name: string;
  src_schema_name: string | null;
  dst_db_name: string;
  dst_schema_name: string | null;
  type: JobType;
  status: JobStatus;
  stopped: number;
  /** The MMS job config object (JSON), as validated at creation. */
  config: string;
  eta: string | null;
  timer_id: number | null;
  task_num: number;
  task_done: number;
  create_time: number;
  update_time: number;
}

/** The tables a job covers, resolved at creation, so jobs filter by source/destination table. */
export interface JobTableTable {
  job_id: number;
  src_table_name: string;
  dst_table_name: string;
}

export type DataSourceRow = Selectable<DataSourceTable>;
export type NewDataSource = Insertable<DataSourceTable>;
export type DataSourceUpdate = Updateable<DataSourceTable>;
export type CatalogDbRow = Selectable<CatalogDbTable>;
export type CatalogTableRow = Selectable<CatalogTableTable>;
export type CatalogPartitionRow = Selectable<CatalogPartitionTable>;
export type JobRow = Selectable<JobTable>;
