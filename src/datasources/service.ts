import { decodeDataSourceConfig, decodeSealedPasswords } from './stored-config.js';
import type { Store } from '../store/store.js';
import { isUniqueViolation } from '../store/store.js';
import * as repo from '../store/datasources.js';
import type { DataSourceRow } from '../store/schema.js';
import { connectionProblems, defaultDatabase, type Connection, type Engine } from '../connectors/engines.js';
import type { SecretBox } from '../security/secrets.js';
import { conflict, invalid, MmsError, notFound } from '../errors.js';
import { ConnectionError } from '../connectors/connector.js';
import type { Sandbox } from '../security/sandbox.js';
import { testConnection } from '../connectors/index.js';
import { assertOwnFiles, NO_SHARING, recordFileGrants, type ShareRights } from './sharing.js';


export interface DataSourceConfig {
  source: Connection;
  destination: Connection & { type: Engine };
}

/** What a caller sends: the destination may be left out (embedded DuckDB). */
export interface DataSourceInput {
  name: string;
  type: Engine;
  config: { source: Connection; destination?: Connection & { type: Engine } };
  /** MMS's region and network link: kept and echoed. */
  region?: string;
  networklink?: string;
}

export interface DataSourceChanges {
  name?: string;
  config?: { source?: Connection; destination?: Connection & { type: Engine } };
  region?: string;
  networklink?: string;
  /** UpdateMmsDataSource action START / STOP. */
  status?: 'STARTED' | 'STOPPED';
}

/** The endpoint keys of a data source's connections (null: a private destination not saved yet). */
interface Endpoints {
  source: string;
  destination: string | null;
}

/** A data source as the service works with it: settings with secrets opened. */
export interface DataSource {
  row: DataSourceRow;
  type: Engine;
  config: DataSourceConfig;
}

type Sealed = { source?: string; destination?: string };
const SIDES = ['source', 'destination'] as const;

/** A data source that names no destination writes to a DuckDB file of its own (see Sandbox.connection). */
export const EMBEDDED_DESTINATION: DataSourceConfig['destination'] = { type: 'DUCKDB', database: 'main' };
const isPrivateDestination = (d: DataSourceConfig['destination']) => d.type === 'DUCKDB' && d.path === undefined;

/** What identifies the endpoint a password was saved for: change any of these and the password must be given again. */
const ENDPOINT_FIELDS = ['host', 'port', 'user', 'database', 'path'] as const;

export class DataSourceService {
  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
    private readonly sandbox: Sandbox,
  ) {}

  /** `rights`: which other data sources' files the caller may use (see assertOwnFiles). */
  async create(input: DataSourceInput, rights: ShareRights = NO_SHARING, now = Date.now()): Promise<number> {
    const { config, endpoints, sharedWith } = await this.checked(input.type, { source: input.config.source, destination: input.config.destination ?? EMBEDDED_DESTINATION }, null, rights);
    try {
      return await this.store.db.transaction().execute(async (tx) => {
        const id = await repo.insertDataSource(tx, {
          name: input.name,
          type: input.type,
          ...this.split(config),
          source_endpoint: endpoints.source,
          destination_endpoint: endpoints.destination,
          status: 'STARTED',
          region: input.region ?? null,
          networklink: input.networklink ?? null,
          err_msg: null,
          last_update_time: null,
          db_num: 0,
          table_num: 0,
          partition_num: 0,
          create_time: now,
          update_time: now,
        });
        // A private destination is known by its id only.
        if (endpoints.destination === null) await repo.updateDataSource(tx, id, { destination_endpoint: await this.endpointOf(config.destination.type, config.destination, 'destination', id) });
        await recordFileGrants(tx, id, sharedWith, rights);
        return id;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`a data source named '${input.name}' already exists`);
      throw err;
    }
  }

  /** Checks a data source's settings and connections without saving anything (nor creating anything). */
  async test(input: DataSourceInput, rights: ShareRights = NO_SHARING): Promise<void> {
    await this.checked(input.type, { source: input.config.source, destination: input.config.destination ?? EMBEDDED_DESTINATION }, null, rights);
  }

  async get(id: number): Promise<DataSource> {
    return this.hydrate(await this.row(id));
  }

  /**
   * The data source with its passwords left sealed: for callers that need only its names and where
   * it leads (catalog and job lists, which call this at every page), or that it exists.
   */
  async describe(id: number): Promise<DataSource> {
    const row = await this.row(id);
    return { row, type: row.type as Engine, config: decodeDataSourceConfig(row.config) };
  }

  private async row(id: number): Promise<DataSourceRow> {
    const row = await repo.findDataSource(this.store.db, id);
    if (!row) throw notFound('DataSource', id);
    return row;
  }

  /**
   * A connection given in an update replaces the stored one. A password left out keeps the stored
   * password (clients never see it, so they cannot send it back), but only for the same endpoint:
   * a stored password is never sent anywhere but where it was saved for.
   */
  async update(id: number, changes: DataSourceChanges, rights: ShareRights = NO_SHARING, now = Date.now()): Promise<void> {
    const current = await this.get(id);
    const { config, endpoints, sharedWith } = await this.changedConfig(current, changes, rights);
    try {
      await this.store.db.transaction().execute(async (tx) => {
        await repo.updateDataSource(tx, id, {
          ...(changes.name !== undefined && { name: changes.name }),
          ...(changes.region !== undefined && { region: changes.region }),
          ...(changes.networklink !== undefined && { networklink: changes.networklink }),
          ...(changes.status !== undefined && { status: changes.status }),
          ...this.split(config),
          ...(endpoints && { source_endpoint: endpoints.source, destination_endpoint: endpoints.destination }),
          update_time: now,
        });
        if (!endpoints) return;
        // Tables it owned at another destination are no longer its (see DestinationGuard); the same one spelled otherwise keeps them.
        if (endpoints.destination !== current.row.destination_endpoint) await tx.deleteFrom('destination_claims').where('source_id', '=', id).execute();
        await recordFileGrants(tx, id, sharedWith, rights);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`a data source named '${changes.name}' already exists`);
      throw err;
    }
  }

  /** UpdateMmsDataSource `test`: the settings an update would save, checked and proven, not saved. */
  async testChanges(id: number, changes: DataSourceChanges, rights: ShareRights = NO_SHARING): Promise<void> {
    await this.changedConfig(await this.get(id), { ...changes, config: changes.config ?? {} }, rights);
  }

  /** The settings after `changes`, checked (and, when connections change, proven, with the endpoints they reach). */
  private async changedConfig(current: DataSource, changes: DataSourceChanges, rights: ShareRights): Promise<{ config: DataSourceConfig; endpoints?: Endpoints; sharedWith: number[] }> {
    const keepPassword = <T extends Connection>(side: string, next: T | undefined, old: T): T => {
      if (!next) return old;
      if (next.password !== undefined || old.password === undefined) return next;
      const moved = ENDPOINT_FIELDS.filter((f) => next[f] !== old[f]);
      if (moved.length) {
        throw invalid(`config.${side}.password is required when ${moved.join(', ')} change${moved.length > 1 ? '' : 's'}: a saved password is only ever sent to the endpoint it was saved for`);
      }
      return withPassword(next, old.password);
    };
    const config: DataSourceConfig = {
      source: keepPassword('source', changes.config?.source, current.config.source),
      destination: keepPassword('destination', changes.config?.destination, current.config.destination),
    };
    if (!changes.config) {
      validate(current.type, config);
      return { config, sharedWith: [] };
    }
    return this.checked(current.type, config, current.row.id, rights);
  }

  /** A STOPPED data source (UpdateMmsDataSource action STOP) takes no scans and runs no jobs. */
  async started(id: number): Promise<DataSource> {
    const ds = await this.get(id);
    if (ds.row.status === 'STOPPED') throw conflict(`data source ${id} is stopped; start it first (UpdateMmsDataSource action START)`);
    return ds;
  }

  async delete(id: number): Promise<void> {
    await this.get(id);
    const running = await this.store.db
      .selectFrom('jobs')
      .select('id')
      .where('source_id', '=', id)
      .where('status', '=', 'DOING')
      .where('stopped', '=', 0)
      .executeTakeFirst();
    if (running) throw conflict(`data source ${id} has running job ${running.id}; stop it before deleting the data source`);
    await repo.deleteDataSource(this.store.db, id);
  }

  async list(filter: repo.DataSourceFilter, page: { offset: number; limit: number }): Promise<{ total: number; items: DataSource[] }> {
    const { total, rows } = await repo.listDataSources(this.store.db, filter, page);
    return { total, items: rows.map((row) => this.hydrate(row)) };
  }

  /**
   * Settings as they may be saved: valid, using no other data source's files but where `rights`
   * allow (those returned, for the grants), and both connections proven to work, with what they
   * reach. A private destination (null) is known by the data source's id only.
   */
  private async checked(type: Engine, config: DataSourceConfig, id: number | null, rights: ShareRights): Promise<{ config: DataSourceConfig; endpoints: Endpoints; sharedWith: number[] }> {
    validate(type, config);
    // Where the connections lead is checked first (a path or host refused is refused as such), then whose files they use.
    const source = await this.sandbox.resolve(type, config.source, { role: 'source', sourceId: null });
    // A private destination is created by the first copy: there is nothing to reach yet.
    const privateDestination = isPrivateDestination(config.destination);
    const destination = privateDestination ? null : await this.sandbox.resolve(config.destination.type, config.destination, { role: 'destination', sourceId: null });
    const sharedWith = await assertOwnFiles(this.store.db, this.sandbox.files, { id, type, config }, rights);
    try {
      await testConnection(type, source.connection, 'source');
      if (destination) await testConnection(config.destination.type, destination.connection, 'destination');
    } catch (err) {
      if (err instanceof ConnectionError) throw new MmsError(400, 'ConnectionFailed', err.message);
      throw err;
    }
    const destinationKey = destination?.endpoint.key ?? (id === null ? null : await this.endpointOf(config.destination.type, config.destination, 'destination', id));
    return { config, endpoints: { source: source.endpoint.key, destination: destinationKey }, sharedWith };
  }

  /** The key of what a connection of data source `sourceId` reaches (security/endpoint.ts). */
  async endpointOf(engine: Engine, conn: Connection, role: 'source' | 'destination', sourceId: number): Promise<string> {
    return (await this.sandbox.resolve(engine, conn, { role, sourceId })).endpoint.key;
  }

  /** Splits settings into the plain part (stored as is) and the sealed passwords. */
  private split(config: DataSourceConfig): { config: string; secrets: string } {
    const sealed: Sealed = {};
    const plain: Record<string, Connection> = {};
    for (const side of SIDES) {
      const { password, ...rest } = config[side];
      plain[side] = rest;
      if (password !== undefined) sealed[side] = password;
    }
    return { config: JSON.stringify(plain), secrets: this.secrets.seal(JSON.stringify(sealed)) };
  }

  private hydrate(row: DataSourceRow): DataSource {
    return { row, type: row.type as Engine, config: this.join(row) };
  }

  private join(row: DataSourceRow): DataSourceConfig {
    const plain = decodeDataSourceConfig(row.config);
    const sealed = decodeSealedPasswords(this.secrets.open(row.secrets));
    return { source: withPassword(plain.source, sealed.source), destination: withPassword(plain.destination, sealed.destination) };
  }
}

function withPassword<T extends Connection>(conn: T, password: string | undefined): T {
  return password === undefined ? conn : { ...conn, password };
}

function validate(type: Engine, config: DataSourceConfig): void {
  const problems = [
    ...connectionProblems(type, config.source, 'config.source', 'source'),
    ...connectionProblems(config.destination.type, config.destination, 'config.destination', 'destination'),
  ];
  if (problems.length) throw invalid(problems.join('; '));
}

/** The destination database a job uses when it names none (the MMS "dstProject"). */
export function destinationDatabase(config: DataSourceConfig): string {
  return defaultDatabase(config.destination.type, config.destination);
}
