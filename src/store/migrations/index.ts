import type { Migration, MigrationProvider } from 'kysely';
import type { DialectTypes, StoreDialect, StoreMigration } from './types.js';
import { initial } from './0001-initial.js';
import { catalogScan } from './0002-catalog-scan.js';
import { tasks } from './0003-tasks.js';
import { jobRuns } from './0004-job-runs.js';
import { timers } from './0005-timers.js';
import { taskLeases } from './0006-task-leases.js';
import { accessKeys } from './0007-access-keys.js';
import { tenantIsolation } from './0008-tenant-isolation.js';
import { exactPartitions } from './0009-exact-partitions.js';
import { asyncTasks } from './0010-async-tasks.js';
import { destinationMapping } from './0011-destination-mapping.js';
import { timerTemplates } from './0012-timer-templates.js';
import { dataSourceRegion } from './0013-datasource-region.js';
import { throughput } from './0014-throughput.js';
import { scanLeases } from './0015-scan-leases.js';
import { listIndexes } from './0016-list-indexes.js';
import { endpoints } from './0017-endpoints.js';
import { snapshotsChunks } from './0018-snapshots-chunks.js';
import { taskPhases } from './0019-task-phases.js';
import { scanResultDatabases } from './0020-scan-result-databases.js';
import { changeMarks } from './0022-change-marks.js';
import { sliceModes } from './0021-slice-modes.js';
import { cuts } from './0023-cuts.js';

/** Ordered list of schema versions; append only. */
const migrations: StoreMigration[] = [initial, catalogScan, tasks, jobRuns, timers, taskLeases, accessKeys, tenantIsolation, exactPartitions, asyncTasks, destinationMapping, timerTemplates, dataSourceRegion, throughput, scanLeases, listIndexes, endpoints, snapshotsChunks, taskPhases, scanResultDatabases, sliceModes, changeMarks, cuts];

function dialectTypes(dialect: StoreDialect): DialectTypes {
  return dialect === 'sqlite'
    ? { idType: 'integer', bigint: 'integer', primaryId: (c) => c.primaryKey().autoIncrement() }
    : { idType: 'serial', bigint: 'bigint', primaryId: (c) => c.primaryKey() };
}

export function migrationProvider(dialect: StoreDialect): MigrationProvider {
  const types = dialectTypes(dialect);
  return {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const m of migrations) out[m.name] = { up: (db) => m.up(db, types) };
      return out;
    },
  };
}
