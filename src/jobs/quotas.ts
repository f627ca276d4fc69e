/** Caps that keep one service from being asked for more than it can hold. */
export interface JobLimits {
  maxPartitionsPerJob: number;
  maxActiveJobs: number;
  /** Tasks running at once in the whole cluster, across all workers (null: each worker's concurrency is the only cap). */
  maxRunningTasks: number | null;
}

export const DEFAULT_JOB_LIMITS: JobLimits = { maxPartitionsPerJob: 200_000, maxActiveJobs: 200, maxRunningTasks: null };
