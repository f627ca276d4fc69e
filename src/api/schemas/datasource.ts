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

export const CreateDataSourceBody = Type.Object(
  { name: Name, type: EngineType, config: ConfigIn },
  { additionalProperties: false },
);

export const UpdateDataSourceBody = Type.Object(
  {
    name: Type.Optional(Name),
    config: Type.Optional(
      Type.Object(
        { source: Type.Optional(ConnectionIn), destination: Type.Optional(DestinationIn) },
        { additionalProperties: false, description: 'A connection given replaces the stored one; a password left out is kept.' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ListDataSourcesQuery = Type.Object(
  { name: Type.Optional(Type.String()), type: Type.Optional(EngineType), ...PageQuery },
  { additionalProperties: false },
);

export const GetDataSourceQuery = Type.Object(
  { withConfig: Type.Optional(Type.Boolean()), lang: Type.Optional(Type.String({ maxLength: 16 })) },
  { additionalProperties: false },
);

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
  status: Type.String(),
  errMsg: Nullable(Type.String()),
  config: Type.Optional(Type.Object({ source: ConnectionOut, destination: DestinationOut })),
});

export const DataSourceIdOut = Type.Object({ dataSourceId: Id });
export const DataSourceUpdatedOut = Type.Object({ sourceId: Id, asyncTaskId: Type.Integer({ description: 'The UPDATE_DATASOURCE async task (GetMmsAsyncTask).' }) });
