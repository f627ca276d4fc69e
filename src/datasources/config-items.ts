import { ENGINES, type Connection, type Engine } from '../connectors/engines.js';
import { invalid } from '../errors.js';
import type { DataSourceConfig } from './service.js';

/**
 * A data source's settings as MMS's configuration items (ListMmsDataSourceConfigItems; the
 * `config` map CreateMmsDataSource/UpdateMmsDataSource take; GetMmsDataSource `withConfig`):
 * `source.<field>` for the source connection, `destination.type` and `destination.<field>` for
 * the destination's, the fields of connectors/engines.ts Connection. Passwords are write-only.
 */
export interface ConfigItem {
  key: string;
  name: string;
  desc: string;
  group: string;
  type: 'string' | 'int' | 'password' | 'map' | 'file';
  /** For a `file`: what it is. */
  subType: string | null;
  value: unknown;
  enums: string[];
  required: boolean;
  placeHolder: string;
  /** Items that depend on this one's value: for `destination.type`, the destination's items by engine; `{}` elsewhere. */
  subItems: Record<string, ConfigItem[]>;
}

const FILE_KIND: Partial<Record<Engine, string>> = { SQLITE: '.sqlite', DUCKDB: '.duckdb', LAKE: 'folder' };

export type Lang = 'en_US' | 'zh_CN';

type Field = 'host' | 'port' | 'user' | 'password' | 'database' | 'path' | 'options';

const TEXT: Record<Field, Record<Lang, [name: string, desc: string]>> = {
  host: { en_US: ['Host', 'Server host name or address'], zh_CN: ['主机', '服务器主机名或地址'] },
  port: { en_US: ['Port', 'Server port'], zh_CN: ['端口', '服务器端口'] },
  user: { en_US: ['User', 'Login user'], zh_CN: ['用户', '登录用户'] },
  password: { en_US: ['Password', 'Login password (write-only)'], zh_CN: ['密码', '登录密码（只写）'] },
  database: { en_US: ['Database', 'Database to connect to'], zh_CN: ['数据库', '连接的数据库'] },
  path: { en_US: ['Path', 'File or folder under the service file roots'], zh_CN: ['路径', '服务文件根目录下的文件或文件夹'] },
  options: { en_US: ['Options', 'Engine options, e.g. {"ssl": true, "maxConcurrentTasks": 4}'], zh_CN: ['选项', '引擎选项，例如 {"ssl": true, "maxConcurrentTasks": 4}'] },
};

const FIELDS: Record<Engine, Field[]> = {
  POSTGRESQL: ['host', 'port', 'user', 'password', 'database', 'options'],
  MYSQL: ['host', 'port', 'user', 'password', 'database', 'options'],
  SQLITE: ['path'],
  DUCKDB: ['path'],
  LAKE: ['path', 'options'],
};
const REQUIRED: Record<Engine, Field[]> = { POSTGRESQL: ['host', 'database'], MYSQL: ['host'], SQLITE: ['path'], DUCKDB: ['path'], LAKE: ['path'] };
const DEFAULT_PORT: Partial<Record<Engine, number>> = { POSTGRESQL: 5432, MYSQL: 3306 };
const TYPE: Record<Field, ConfigItem['type']> = { host: 'string', port: 'int', user: 'string', password: 'password', database: 'string', path: 'file', options: 'map' };

function item(side: 'source' | 'destination', engine: Engine, f: Field, lang: Lang): ConfigItem {
  const [name, desc] = TEXT[f][lang];
  // An embedded DuckDB destination needs no path (a private file).
  const required = REQUIRED[engine].includes(f) && !(side === 'destination' && engine === 'DUCKDB');
  return {
    key: `${side}.${f}`, name, desc, group: `group.${side}`, type: TYPE[f], subType: f === 'path' ? (FILE_KIND[engine] ?? null) : null,
    value: f === 'port' ? (DEFAULT_PORT[engine] ?? null) : null, enums: [], required, placeHolder: f === 'port' ? String(DEFAULT_PORT[engine] ?? '') : '', subItems: {},
  };
}

const engineOf = (type: string): Engine => {
  const engine = ENGINES.find((e) => e.toLowerCase() === type.toLowerCase());
  if (!engine) throw invalid(`sourceType: '${type}' is not one of ${ENGINES.join(', ')}`);
  return engine;
};

/** ListMmsDataSourceConfigItems: the items a `config` map for this source type may hold, `value` the default. */
export function configItems(sourceType: string, lang: Lang = 'zh_CN'): ConfigItem[] {
  const engine = engineOf(sourceType);
  const destination: ConfigItem = {
    key: 'destination.type',
    name: lang === 'en_US' ? 'Destination type' : '目的端类型',
    desc: lang === 'en_US' ? 'Engine the data is copied to (default: an embedded DuckDB file)' : '数据迁移的目的端引擎（默认：内嵌 DuckDB 文件）',
    group: 'group.destination',
    type: 'string',
    subType: null,
    value: 'DUCKDB',
    enums: [...ENGINES],
    required: false,
    placeHolder: 'DUCKDB',
    subItems: Object.fromEntries(ENGINES.map((e) => [e, FIELDS[e].map((f) => item('destination', e, f, lang))])),
  };
  return [...FIELDS[engine].map((f) => item('source', engine, f, lang)), destination];
}

/** A `config` map (`{"source.host": "…", "destination.type": "MYSQL", …}`) as a connection pair; unknown keys and wrong types are 400s. */
export function configFromMap(sourceType: Engine, map: Record<string, unknown>): { source: Connection; destination?: Connection & { type: Engine } } {
  const source: Record<string, unknown> = {};
  const destination: Record<string, unknown> = {};
  const dstType = map['destination.type'];
  const dstEngine = dstType === undefined ? undefined : engineOf(String(dstType));
  for (const [key, value] of Object.entries(map)) {
    if (key === 'destination.type') continue;
    const [side, field] = key.split('.', 2) as [string, Field];
    const engine = side === 'source' ? sourceType : side === 'destination' ? (dstEngine ?? 'DUCKDB') : undefined;
    if (!engine || !FIELDS[engine].includes(field) || key !== `${side}.${field}`) throw invalid(`config: '${key}' is not a configuration item of ${side === 'destination' ? `a ${engine} destination` : `a ${sourceType} source`} (see ListMmsDataSourceConfigItems)`);
    (side === 'source' ? source : destination)[field] = itemValue(key, TYPE[field], value);
  }
  return { source: source as Connection, ...(dstEngine !== undefined || Object.keys(destination).length ? { destination: { ...destination, type: dstEngine ?? 'DUCKDB' } as Connection & { type: Engine } } : {}) };
}

function itemValue(key: string, type: ConfigItem['type'], value: unknown): unknown {
  if (type === 'int') {
    const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (!Number.isInteger(n)) throw invalid(`config: '${key}' is a whole number`);
    return n;
  }
  if (type === 'map') {
    const m = typeof value === 'string' ? safeJson(value) : value;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw invalid(`config: '${key}' is a JSON object`);
    return m;
  }
  if (typeof value !== 'string') throw invalid(`config: '${key}' is text`);
  return value;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** GetMmsDataSource `withConfig`: the items with the data source's values; a password shows only whether one is set. */
export function configWithValues(type: Engine, config: DataSourceConfig, lang: Lang = 'zh_CN'): ConfigItem[] {
  const value = (conn: Connection, f: Field) => (f === 'password' ? (conn.password ? '******' : null) : (conn[f] ?? null));
  const items = configItems(type, lang);
  return items.map((it) => {
    if (it.key === 'destination.type') {
      const { subItems, ...rest } = it;
      return { ...rest, value: config.destination.type, subItems: { [config.destination.type]: subItems[config.destination.type]!.map((d) => ({ ...d, value: value(config.destination, d.key.split('.')[1] as Field) })) } };
    }
    return { ...it, value: value(config.source, it.key.split('.')[1] as Field) };
  });
}

/**
 * UpdateMmsDataSource's `config` map sets the items it names and keeps the others. A stored
 * password is not carried over here: the service keeps it only for the same endpoint.
 */
export function mergeConfigMap(type: Engine, current: DataSourceConfig, map: Record<string, unknown>): { source?: Connection; destination?: Connection & { type: Engine } } {
  const given = configFromMap(type, map);
  const bare = <T extends Connection>({ password: _p, ...rest }: T) => rest;
  const touches = (side: string) => Object.keys(map).some((k) => k.startsWith(`${side}.`));
  const sameEngine = given.destination?.type === current.destination.type;
  return {
    ...(touches('source') && { source: { ...bare(current.source), ...given.source } }),
    ...(given.destination && { destination: sameEngine ? { ...bare(current.destination), ...given.destination } : given.destination }),
  };
}
