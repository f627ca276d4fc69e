/** The job config as stored and returned by ListMmsJobs / GetMmsJob: every key always present. */
export interface JobConfig {
  partitions: number[];
  tables: string[];
  taskType: string | null;
  tableBlackList: string[];
  tableWhiteList: string[];
  partitionFilters: Record<string, string>;
  schemaOnly: boolean;
  tableMapping: Record<string, string>;
  increment: boolean;
  enableVerification: boolean;
  tunnelQuota: string | null;
  columnMapping: Record<string, string>;
  others: Record<string, unknown>;
}

/** MMS's verification-only task type: compare each slice with its source, copy nothing. */
export const VERIFY_ONLY = 'MC2MC_VERIFY';
