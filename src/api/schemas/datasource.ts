import { Type } from '@sinclair/typebox';
import { ENGINES } from '../../connectors/engines.js';
import { Id, Name, Nullable, PageQuery, StringEnum } from './common.js';

const EngineType = StringEnum(ENGINES);

const connectionFields = {
  host: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  user: Type.Optional(Type.String({ maxLength: 255 })),
  database: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  path: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  options: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
};
const password = { password: Type.Optional(Type.String({ maxLength: 1024, description: 'Write only: sealed at rest, never returned.' })) };

const ConnectionIn = Type.Object({ ...connectionFields, ...password }, { additionalProperties: false });
const DestinationIn = Type.Object({ type: EngineType, ...connectionFields, ...password }, { additionalProperties: false });

const ConfigIn = Type.Object(
  {
    source: ConnectionIn,
    destination: Type.Optional(DestinationIn),
  },
  { additionalProperties: false, description: 'Connection of the source, and of the destination (default: the embedded DuckDB file).' },
);

/** MMS's config map: `{"source.host": "…", "destination.type": "MYSQL", …}`, the keys ListMmsDataSourceConfigItems lists. */
const ConfigMap = Type.Unsafe<Record<string, string | number | boolean | Record<string, unknown>>>({
  type: 'object',
  // Only item keys: an object with `source`/`destination` objects is the other form, never this one.
  patternProperties: { '^(source|destination)\\.[a-z]+$': Type.Union([Type.String({ maxLength: 4096 }), Type.Number(), Type.Boolean(), Type.Record(Type.String(), Type.Unknown())]) },
  additionalProperties: false,
  description: 'As the MMS SDK sends it: configuration items by key (see ListMmsDataSourceConfigItems).',
});
const mms = {
  region: Type.Optional(Type.String({ maxLength: 64, description: 'MMS region: kept and echoed, unused by OpenMMS.' })),
  networklink: Type.Optional(Type.String({ maxLength: 256, description: 'MMS network link: kept and echoed, unused by OpenMMS.' })),
};

export const CreateDataSourceBody = Type.Object(
  { name: Name, type: EngineType, config: Type.Union([ConfigIn, ConfigMap]), ...mms },
  { additionalProperties: false },
);

export const UpdateDataSourceBody = Type.Object(
  {
    action: Type.Optional(StringEnum(['UPDATE_CONFIG', 'RENAME', 'START', 'STOP'], { description: 'RENAME takes name, UPDATE_CONFIG config; START/STOP start and stop the data source (a stopped one takes no scans and runs no jobs). Without an action, whatever is given is updated.' })),
    name: Type.Optional(Name),
    config: Type.Optional(
      Type.Union([
        Type.Object(
          { source: Type.Optional(ConnectionIn), destination: Type.Optional(DestinationIn) },
          { additionalProperties: false, description: 'A connection given replaces the stored one; a password left out is kept.' },
        ),
        ConfigMap,
      ]),
    ),
    test: Type.Optional(Type.Boolean({ description: 'Test the configuration instead of saving it: the async task holds the outcome.' })),
    ...mms,
  },
  { additionalProperties: false },
);

export const ListDataSourcesQuery = Type.Object(
  { name: Type.Optional(Type.String()), type: Type.Optional(EngineType), region: Type.Optional(Type.String({ maxLength: 64 })), ...PageQuery },
  { additionalProperties: false },
);

const Lang = StringEnum(['zh_CN', 'en_US'], { description: 'Language of item names and descriptions (default zh_CN, as MMS).' });

export const GetDataSourceQuery = Type.Object({ withConfig: Type.Optional(Type.Boolean()), lang: Type.Optional(Lang) }, { additionalProperties: false });

export const ConfigItemsQuery = Type.Object({ sourceType: Type.String({ maxLength: 32, description: 'POSTGRESQL, MYSQL, SQLITE, DUCKDB or LAKE (any case).' }), lang: Type.Optional(Lang) }, { additionalProperties: false });

const ConfigItemFields = {
  key: Type.String(),
  name: Type.String(),
  desc: Type.String(),
  group: Type.String(),
  type: Type.String(),
  subType: Nullable(Type.String()),
  value: Type.Unknown(),
  enums: Type.Array(Type.String()),
  required: Type.Boolean(),
  placeHolder: Type.String(),
};
export const ConfigItemOut = Type.Object({ ...ConfigItemFields, subItems: Type.Record(Type.String(), Type.Array(Type.Object(ConfigItemFields))) });

const hasPassword = { hasPassword: Type.Boolean() };
const ConnectionOut = Type.Object({ ...connectionFields, ...hasPassword });
const DestinationOut = Type.Object({ type: EngineType, ...connectionFields, ...hasPassword });

export const DataSourceOut = Type.Object({
  id: Id,
  name: Type.String(),
  type: EngineType,
  dstType: EngineType,
  dstProject: Type.String({ description: 'Default destination database.' }),
  dstProjects: Type.Array(Type.String()),
  lastUpdateTime: Nullable(Type.String({ description: 'When metadata was last scanned (UTC).' })),
  dbNum: Type.Integer(),
  tableNum: Type.Integer(),
  partitionNum: Type.Integer(),
  createTime: Type.String(),
  region: Nullable(Type.String()),
  networklink: Nullable(Type.String()),
  status: Type.String({ description: 'STARTED or STOPPED.' }),
  agentIsOnline: Type.Boolean(),
  errMsg: Nullable(Type.String()),
  ...Object.fromEntries(
    ['tablesDoingNum', 'tablesDoneNum', 'tablesFailedNum', 'tablesPartDoneNum', 'partitionsDoingNum', 'partitionsDoneNum', 'partitionsFailedNum'].map((k) => [k, Type.Integer()]),
  ),
  scanId: Nullable(Type.Integer({ description: 'The latest metadata scan.' })),
  scanStatus: Nullable(Type.String()),
  scanErrMsg: Nullable(Type.String()),
  config: Type.Optional(Type.Array(ConfigItemOut, { description: 'withConfig: the configuration items with their values (a password shows as ****** when set).' })),
  connection: Type.Optional(Type.Object({ source: ConnectionOut, destination: DestinationOut }, { description: 'OpenMMS addition (withConfig): the connections as objects.' })),
});

export const DataSourceIdOut = Type.Object({ dataSourceId: Id });
export const DataSourceUpdatedOut = Type.Object({ sourceId: Id, asyncTaskId: Type.Integer({ description: 'The UPDATE_DATASOURCE async task (GetMmsAsyncTask).' }) });
