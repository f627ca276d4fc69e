import { Type, type Static } from '@sinclair/typebox';
import { decodeStored } from '../store/stored-json.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Strings = Type.Record(Type.String(), Type.String());

/** The job config as stored and returned by ListMmsJobs / GetMmsJob: every key always present. */
export const JobConfigSchema = Type.Object({
  partitions: Type.Array(Type.Integer()),
  tables: Type.Array(Type.String()),
  taskType: Nullable(Type.String()),
  tableBlackList: Type.Array(Type.String()),
  tableWhiteList: Type.Array(Type.String()),
  partitionFilters: Strings,
  schemaOnly: Type.Boolean(),
  tableMapping: Strings,
  increment: Type.Boolean(),
  enableVerification: Type.Boolean(),
  tunnelQuota: Nullable(Type.String()),
  columnMapping: Strings,
  others: Type.Record(Type.String(), Type.Unknown()),
  /** false (MMS's enableSchemaMigration): destination tables are neither created nor altered; present only then. */
  enableSchemaMigration: Type.Optional(Type.Literal(false)),
});

export type JobConfig = Static<typeof JobConfigSchema>;

/** A job row's config column. */
export const decodeJobConfig = (text: string): JobConfig => decodeStored(JobConfigSchema, text, 'job config');

/** MMS's verification-only task type: compare each slice with its source, copy nothing. */
export const VERIFY_ONLY = 'MC2MC_VERIFY';

/** `others` switches: a true/false the caller may send as JSON or as text. */
export const switchOf = (others: Record<string, unknown>, key: string): boolean | undefined =>
  others[key] === true || others[key] === 'true' ? true : others[key] === false || others[key] === 'false' ? false : undefined;
