/** Caps that keep one service from being asked for more than it can hold. */
export interface JobLimits {
  maxPartitionsPerJob: number;
  maxActiveJobs: number;
}

export const DEFAULT_JOB_LIMITS: JobLimits = { maxPartitionsPerJob: 200_000, maxActiveJobs: 200 };
