import { Type } from '@sinclair/typebox';
import { Id, Nullable, ObjectName, PageQuery, StringEnum } from './common.js';

const MigrationStatus = StringEnum(['INIT', 'DOING', 'DONE', 'FAILED', 'PART_DONE']);
const Time = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}( \\d{2}:\\d{2}:\\d{2})?$', description: 'yyyy-MM-dd[ HH:mm:ss], UTC.' });
const Sort = StringEnum(['asc', 'desc']);

/** Filters the three catalog lists share (ListMmsDbs, ListMmsTables, ListMmsPartitions). */
const common = {
  status: Type.Optional(Type.Array(MigrationStatus, { description: 'Any of these statuses (repeat the parameter).' })),
  updated: Type.Optional(Type.Boolean({ description: 'Changed at the source since the last successful copy.' })),
  dropped: Type.Optional(Type.Boolean({ description: 'true: only objects gone from the source; default: only live ones.' })),
  lastDdlTimeStart: Type.Optional(Time),
  lastDdlTimeEnd: Type.Optional(Time),
  ...PageQuery,
  'sorter.numRows': Type.Optional(Sort),
  'sorter.size': Type.Optional(Sort),
  'sorter.lastDdlTime': Type.Optional(Sort),
};

export const ListDbsQuery = Type.Object({ name: Type.Optional(Type.String({ maxLength: 512, description: 'Name contains.' })), ...common }, { additionalProperties: false });

export const ListTablesQuery = Type.Object(
  {
    dbId: Type.Optional(Id),
    dbName: Type.Optional(ObjectName),
    name: Type.Optional(Type.String({ maxLength: 512, description: 'Name contains.' })),
    hasPartitions: Type.Optional(Type.Boolean()),
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

export const DbOut = Type.Object({
  id: Type.Integer(),
  sourceId: Type.Integer(),
  sourceName: Type.String(),
  name: Type.String(),
  ...stats,
  tableNum: Type.Integer(),
  partitionNum: Type.Integer(),
});

const Column = Type.Object({
  name: Type.String(),
  type: Type.String({ description: 'Logical type.' }),
  nativeType: Type.String({ description: 'Type as the source engine names it.' }),
  nullable: Type.Boolean(),
  comment: Nullable(Type.String()),
});

export const TableOut = Type.Object({
  id: Type.Integer(),
  sourceId: Type.Integer(),
  sourceName: Type.String(),
  dbId: Type.Integer(),
  dbName: Type.String(),
  name: Type.String(),
  hasPartitions: Type.Boolean(),
  ...stats,
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
});

export const CreateScanBody = Type.Object(
  { dbName: Type.Optional(ObjectName), tableNames: Type.Optional(Type.Array(ObjectName, { minItems: 1, maxItems: 10_000 })) },
  { additionalProperties: false },
);

export const ScanOut = Type.Object({
  id: Type.Integer(),
  sourceId: Type.Integer(),
  status: StringEnum(['INIT', 'DOING', 'DONE', 'FAILED']),
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
      dbs: Type.Integer(),
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
