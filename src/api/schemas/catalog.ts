import { Type } from '@sinclair/typebox';
import { Id, Nullable, ObjectName, PageQuery, StringEnum } from './common.js';
import { JOB_STATUSES, MIGRATION_STATUSES } from '../../store/schema.js';

const MigrationStatus = StringEnum(MIGRATION_STATUSES);
const Time = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}( \\d{2}:\\d{2}:\\d{2})?$', description: 'yyyy-MM-dd[ HH:mm:ss], UTC.' });
const Sort = StringEnum(['asc', 'desc']);

/** Filters the three catalog lists share (ListMmsDbs, ListMmsTables, ListMmsPartitions). */
const common = {
  status: Type.Optional(Type.Array(MigrationStatus, { description: 'Any of these statuses: one JSON array, as the MMS SDK sends it (status=["DONE","FAILED"]), or the parameter repeated.' })),
  updated: Type.Optional(Type.Boolean({ description: 'Changed at the source since the last successful copy.' })),
  dropped: Type.Optional(Type.Boolean({ description: 'true: only objects gone from the source; default: only live ones.' })),
  lastDdlTimeStart: Type.Optional(Time),
  lastDdlTimeEnd: Type.Optional(Time),
  ...PageQuery,
  'sorter.numRows': Type.Optional(Sort),
  'sorter.size': Type.Optional(Sort),
  'sorter.lastDdlTime': Type.Optional(Sort),
};

export const ListDbsQuery = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 512, description: 'Name contains.' })),
    ...common,
    'sorter.updateTime': Type.Optional(Sort),
    sorter: Type.Optional(Type.String({ maxLength: 256, description: 'As the MMS SDK sends it for ListMmsDbs: one JSON object, {"numRows"|"size"|"updateTime"|"lastDdlTime": "asc"|"desc"}.' })),
  },
  { additionalProperties: false },
);

const destinationFilters = {
  dstProjectName: Type.Optional(Type.String({ maxLength: 512, description: 'Destination database (MMS project).' })),
  dstSchemaName: Type.Optional(Type.String({ maxLength: 512, description: "A schema: OpenMMS destinations have none, so any but '' is refused." })),
  dstName: Type.Optional(Type.String({ maxLength: 512, description: 'Destination table.' })),
};

export const ListTablesQuery = Type.Object(
  {
    dbId: Type.Optional(Id),
    dbName: Type.Optional(ObjectName),
    name: Type.Optional(Type.String({ maxLength: 512, description: 'Name contains.' })),
    type: Type.Optional(Type.String({ maxLength: 64, description: "Table type: OpenMMS's tables are all TABLE." })),
    hasPartitions: Type.Optional(Type.Boolean()),
    onlyName: Type.Optional(Type.Boolean({ description: 'Rows carry only id and name.' })),
    ...destinationFilters,
    ...common,
  },
  { additionalProperties: false },
);

export const ListPartitionsQuery = Type.Object(
  {
    dbId: Type.Optional(Id),
    dbName: Type.Optional(ObjectName),
    tableId: Type.Optional(Id),
    tableName: Type.Optional(ObjectName),
    value: Type.Optional(Type.String({ maxLength: 4096, description: 'Partition value (p1=v1/p2=v2) contains.' })),
    ...common,
  },
  { additionalProperties: false },
);

const stats = {
  status: MigrationStatus,
  updated: Type.Boolean(),
  dropped: Type.Boolean(),
  numRows: Type.Integer(),
  size: Type.Integer({ description: 'Bytes.' }),
  lastDdlTime: Nullable(Type.String()),
};

/** What MMS reports of Hive objects that OpenMMS's engines do not have: always null ('{}' for extra). */
const hiveOnly = { owner: Nullable(Type.String()), location: Nullable(Type.String()), extra: Type.String({ description: 'Other attributes as JSON text.' }) };
const count = Type.Integer();

export const DbOut = Type.Object({
  id: Type.Integer(),
  sourceId: Type.Integer(),
  sourceName: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  ...hiveOnly,
  dstProjectName: Type.String({ description: "Destination database (MMS project): UpdateMmsDb's, else the data source's default." }),
  dstName: Nullable(Type.String({ description: 'Destination schema, kept for MMS tooling: OpenMMS destinations have no schema layer under the database.' })),
  ...stats,
  deleted: Type.Boolean({ description: 'Gone from the source (as dropped).' }),
  createTime: Type.String(),
  updateTime: Type.String(),
  tables: count, tablesDoing: count, tablesDone: count, tablesFailed: count, tablesPartDone: count,
  partitions: count, partitionsDoing: count, partitionsDone: count, partitionsFailed: count,
  tableNum: Type.Integer(),
  partitionNum: Type.Integer(),
});

const Column = Type.Object({
  name: Type.String(),
  type: Type.String({ description: 'Logical type.' }),
  nativeType: Type.String({ description: 'Type as the source engine names it.' }),
  nullable: Type.Boolean(),
  comment: Nullable(Type.String()),
  defaultValue: Nullable(Type.String()),
});

/** A ListMmsTables row with onlyName. */
export const TableName = Type.Object({ id: Type.Integer(), name: Type.String() }, { additionalProperties: false });

export const TableOut = Type.Object({
  id: Type.Integer(),
  sourceId: Type.Integer(),
  sourceName: Type.String(),
  dbId: Type.Integer(),
  dbName: Type.String(),
  name: Type.String(),
  type: Type.String(),
  ...hiveOnly,
  inputFormat: Nullable(Type.String()),
  outputFormat: Nullable(Type.String()),
  serde: Nullable(Type.String()),
  hasPartitions: Type.Boolean(),
  ...stats,
  dstProjectName: Type.String({ description: "Destination database: the table's (UpdateMmsTable/Tables), its db's, else the data source's default." }),
  dstSchemaName: Nullable(Type.String()),
  dstName: Type.String({ description: 'Destination table: UpdateMmsTable\'s, else the source name.' }),
  partitions: count, partitionsDoing: count, partitionsDone: count, partitionsFailed: count,
  partitionNum: Type.Integer(),
  schema: Type.Object({ name: Type.String(), comment: Nullable(Type.String()), columns: Type.Array(Column), partitions: Type.Array(Column) }),
});

export const PartitionOut = Type.Object({
  id: Type.Integer(),
  sourceId: Type.Integer(),
  sourceName: Type.String(),
  dbId: Type.Integer(),
  dbName: Type.String(),
  tableId: Type.Integer(),
  tableName: Type.String(),
  value: Type.String(),
  ...stats,
  dstProjectName: Type.String(),
  dstSchemaName: Nullable(Type.String()),
  dstTableName: Type.String(),
  dstValue: Type.String(),
});

const UpdateStatus = StringEnum(['INIT', 'DONE', 'FAILED', 'DOING', 'PART_DONE'], {
  description: 'INIT or FAILED: the next incremental job copies the object again; DONE: it skips it. Tables and their partitions alike. DOING and PART_DONE are refused: a running job, and the partitions, set them.',
});
const dstProjectName = Type.Optional(Type.String({ maxLength: 512, description: "Destination database (MMS project); '' resets it to the default." }));
const dstSchemaName = Type.Optional(Type.String({ maxLength: 512, description: "A schema: OpenMMS destinations have no such level, so any but '' is refused." }));

export const UpdateDbBody = Type.Object({ dstProjectName, dstName: dstSchemaName, status: Type.Optional(UpdateStatus) }, { additionalProperties: false });
export const UpdateTableBody = Type.Object(
  { dstProjectName, dstSchemaName, dstName: Type.Optional(Type.String({ maxLength: 512, description: "Destination table; '' resets it to the source name." })), status: Type.Optional(UpdateStatus) },
  { additionalProperties: false },
);
export const UpdateTablesBody = Type.Object(
  {
    dbName: Type.Optional(ObjectName),
    tableNames: Type.Optional(Type.Array(ObjectName, { maxItems: 10_000 })),
    tables: Type.Optional(Type.Array(Id, { maxItems: 10_000, description: 'Deprecated in MMS: table ids.' })),
    dstProjectName,
    dstSchemaName,
    status: Type.Optional(UpdateStatus),
  },
  { additionalProperties: false },
);

export const CreateScanBody = Type.Object(
  { dbName: Type.Optional(ObjectName), tableNames: Type.Optional(Type.Array(ObjectName, { minItems: 1, maxItems: 10_000 })) },
  { additionalProperties: false },
);

export const ScanOut = Type.Object({
  id: Type.Integer(),
  sourceId: Type.Integer(),
  status: StringEnum(JOB_STATUSES),
  progress: Type.Integer({ description: 'As MMS: 0 to 10000 (hundredths of a percent).' }),
  dbName: Nullable(Type.String()),
  tableNames: Nullable(Type.Array(Type.String())),
  createTime: Type.String(),
  startTime: Nullable(Type.String()),
  endTime: Nullable(Type.String()),
  errorMsg: Nullable(Type.String()),
  errMsg: Nullable(Type.String({ description: 'OpenMMS addition (as errorMsg).' })),
  result: Nullable(Type.String({ description: 'JSON text, as MMS answers it: the summary below.' })),
  summary: Nullable(
    Type.Object({
      databases: Type.Integer(),
      tables: Type.Integer(),
      partitions: Type.Integer(),
      added: Type.Integer(),
      updated: Type.Integer(),
      dropped: Type.Integer(),
      changes: Type.Array(Type.Object({ object: StringEnum(['db', 'table', 'partition']), name: Type.String(), change: StringEnum(['added', 'updated', 'dropped']) })),
      changesTruncated: Type.Boolean(),
    }),
  ),
});

export const DbParams = Type.Object({ sourceId: Id, dbId: Id }, { additionalProperties: false });
export const TableParams = Type.Object({ sourceId: Id, tableId: Id }, { additionalProperties: false });
export const PartitionParams = Type.Object({ sourceId: Id, partitionId: Id }, { additionalProperties: false });
export const ScanParams = Type.Object({ sourceId: Id, scanId: Id }, { additionalProperties: false });
