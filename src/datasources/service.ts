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
import { assertOwnFiles } from './sharing.js';

type MayShare = (other: number) => boolean;

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

  /** `mayShare(other)`: whether the caller may use files data source `other` reads or writes (see assertOwnFiles). */
  async create(input: DataSourceInput, mayShare: MayShare = () => false, now = Date.now()): Promise<number> {
    const config = await this.test(input, mayShare);
    try {
      return await repo.insertDataSource(this.store.db, {
        name: input.name,
        type: input.type,
        ...this.split(config),
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
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`a data source named '${input.name}' already exists`);
      throw err;
    }
  }

  /** Checks a data source's settings and connections without saving anything; returns the settings. */
  async test(input: DataSourceInput, mayShare: MayShare = () => false): Promise<DataSourceConfig> {
    const config: DataSourceConfig = { source: input.config.source, destination: input.config.destination ?? EMBEDDED_DESTINATION };
    validate(input.type, config);
    await assertOwnFiles(this.store.db, this.sandbox.files, { id: null, type: input.type, config }, mayShare);
    await this.prove(input.type, config);
    return config;
  }

  async get(id: number): Promise<DataSource> {
    const row = await repo.findDataSource(this.store.db, id);
    if (!row) throw notFound('DataSource', id);
    return this.hydrate(row);
  }

  /**
   * A connection given in an update replaces the stored one. A password left out keeps the stored
   * password (clients never see it, so they cannot send it back), but only for the same endpoint:
   * a stored password is never sent anywhere but where it was saved for.
   */
  async update(id: number, changes: DataSourceChanges, mayShare: MayShare = () => false, now = Date.now()): Promise<void> {
    const current = await this.get(id);
    const config = await this.changedConfig(current, changes, mayShare);
    try {
      await this.store.db.transaction().execute(async (tx) => {
        await repo.updateDataSource(tx, id, {
          ...(changes.name !== undefined && { name: changes.name }),
          ...(changes.region !== undefined && { region: changes.region }),
          ...(changes.networklink !== undefined && { networklink: changes.networklink }),
          ...(changes.status !== undefined && { status: changes.status }),
          ...this.split(config),
          update_time: now,
        });
        // Tables it owned at its old destination are no longer its (see DestinationGuard).
        const moved = (['type', ...ENDPOINT_FIELDS] as const).some((f) => config.destination[f] !== current.config.destination[f]);
        if (moved) await tx.deleteFrom('destination_claims').where('source_id', '=', id).execute();
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`a data source named '${changes.name}' already exists`);
      throw err;
    }
  }

  /** UpdateMmsDataSource `test`: the settings an update would save, checked and proven, not saved. */
  async testChanges(id: number, changes: DataSourceChanges, mayShare: MayShare = () => false): Promise<void> {
    await this.changedConfig(await this.get(id), { ...changes, config: changes.config ?? {} }, mayShare);
  }

  /** The settings after `changes`, checked (and, when connections change, proven). */
  private async changedConfig(current: DataSource, changes: DataSourceChanges, mayShare: MayShare): Promise<DataSourceConfig> {
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
    validate(current.type, config);
    if (changes.config) {
      await assertOwnFiles(this.store.db, this.sandbox.files, { id: current.row.id, type: current.type, config }, mayShare);
      await this.prove(current.type, config);
    }
    return config;
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

  /** A data source is saved only once both its connections are proven to work. */
  private async prove(type: Engine, config: DataSourceConfig): Promise<void> {
    try {
      await this.tryConnection(type, config.source, 'source');
      // A private destination is created by the first copy: there is nothing to reach yet.
      if (!isPrivateDestination(config.destination)) await this.tryConnection(config.destination.type, config.destination, 'destination');
    } catch (err) {
      if (err instanceof ConnectionError) throw new MmsError(400, 'ConnectionFailed', err.message);
      throw err;
    }
  }

  /** The sandbox resolves the connection (or refuses it), then the engine is asked. */
  private async tryConnection(engine: Engine, conn: Connection, role: 'source' | 'destination'): Promise<void> {
    await testConnection(engine, await this.sandbox.connection(engine, conn, { role, sourceId: null }), role);
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
