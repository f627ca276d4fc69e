import { Type } from '@sinclair/typebox';
import { ENGINES, type Connection, type Engine } from '../connectors/engines.js';
import { decodeStored } from '../store/stored-json.js';

const ConnectionSchema = Type.Object({
  host: Type.Optional(Type.String()),
  port: Type.Optional(Type.Integer()),
  user: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  database: Type.Optional(Type.String()),
  path: Type.Optional(Type.String()),
  options: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
});

const StoredConfig = Type.Object({
  source: ConnectionSchema,
  destination: Type.Intersect([ConnectionSchema, Type.Object({ type: Type.Union(ENGINES.map((e) => Type.Literal(e))) })]),
});

const SealedSchema = Type.Object({ source: Type.Optional(Type.String()), destination: Type.Optional(Type.String()) });

/** A data source's connections as the store keeps them (passwords apart, sealed). */
export const decodeDataSourceConfig = (text: string): { source: Connection; destination: Connection & { type: Engine } } => decodeStored(StoredConfig, text, 'data source config');

/** A data source's sealed passwords, once opened. */
export const decodeSealedPasswords = (text: string): { source?: string; destination?: string } => decodeStored(SealedSchema, text, 'data source passwords');
