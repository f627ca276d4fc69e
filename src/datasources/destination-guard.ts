import type { Kysely } from 'kysely';
import { nameKey } from '../connectors/names.js';
import { MmsError } from '../errors.js';
import type { Sandbox } from '../security/sandbox.js';
import type { Database } from '../store/schema.js';
import type { DataSource } from './service.js';
import { NO_SHARING, SHARE_DESTINATION, type ShareRights } from './sharing.js';

export interface DestinationTable {
  db: string;
  table: string;
}

/**
 * A destination table as claims name it: compared as the engine compares names (without case in
 * DuckDB, SQLite, MySQL: names.ts); a SQLite file has one database, so whatever dstDbName a job
 * gives, its tables land side by side.
 */
function objectKey(source: DataSource, t: DestinationTable): string {
  const type = source.config.destination.type;
  return JSON.stringify([nameKey(type, 'database', type === 'SQLITE' ? 'main' : t.db), nameKey(type, 'table', t.table)]);
}

/**
 * One writer per destination table: the first data source to write a table owns it, and another
 * data source's job is refused (409, naming the owner) unless the caller's policy allows
 * `openmms:ShareDestination` on the owner; that grant lasts as long as the caller's key. Checked
 * when a job is created and again before each task writes, so a destination changed later, or a
 * grant whose key was deleted, cannot slip past it. Tables are told apart by the destination's
 * endpoint (security/endpoint.ts): however a data source spells a server or a file, it is one.
 */
export class DestinationGuard {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sandbox: Sandbox,
  ) {}

  /**
   * What identifies the destination (security/endpoint.ts): as the data source keeps it, or, for
   * one not resolved yet, as the sandbox resolves it now.
   */
  private async endpoint(source: DataSource): Promise<string> {
    if (source.row.destination_endpoint !== null) return source.row.destination_endpoint;
    const d = source.config.destination;
    return (await this.sandbox.resolve(d.type, d, { role: 'destination', sourceId: source.row.id })).endpoint.key;
  }

  /**
   * Claims `tables` for `source`. `rights`: whose tables the caller may write too (its shared
   * claims end with its key); `db`: a transaction the claims commit (or roll back) with;
   * `endpoint`: the destination's key as just resolved (a task's), else the data source's own.
   */
  async claim(
    source: DataSource,
    tables: DestinationTable[],
    { rights = NO_SHARING, db = this.db, endpoint }: { rights?: ShareRights; db?: Kysely<Database>; endpoint?: string } = {},
    now = Date.now(),
  ): Promise<void> {
    const at = endpoint ?? (await this.endpoint(source));
    const key = (t: DestinationTable) => objectKey(source, t);
    const me = source.row.id;
    const objects = [...new Set(tables.map(key))];
    for (let i = 0; i < objects.length; i += 500) {
      const chunk = objects.slice(i, i + 500);
      const owners = await this.claims(db, at, chunk);
      // Unclaimed, or left with sharers only (its owner was deleted): the first to write it owns it.
      const fresh = chunk.filter((o) => (owners.get(o)?.owner ?? -1) === -1);
      if (fresh.length) {
        await this.insert(db, at, fresh, me, null, now);
        for (const [o, c] of await this.claims(db, at, fresh)) owners.set(o, c);
      }
      const shares: string[] = [];
      for (const o of chunk) {
        const c = owners.get(o)!;
        if (c.writers.has(me)) continue;
        if (!rights.allows(c.owner) || rights.keyId === null) {
          const [db, table] = JSON.parse(o) as [string, string];
          throw new MmsError(409, 'Conflict.DestinationOwned', `destination table '${db}.${table}' is written by data source ${c.owner}; map this table to another name (tableMapping), or use a key whose policy allows ${SHARE_DESTINATION} on datasource/${c.owner}`);
        }
        shares.push(o);
      }
      if (shares.length) await this.insert(db, at, shares, me, rights.keyId, now);
    }
  }

  /** The data sources that write a destination table (its owner and those it is shared with). */
  async writers(source: DataSource, table: DestinationTable, endpoint?: string): Promise<Set<number>> {
    const object = objectKey(source, table);
    return (await this.claims(this.db, endpoint ?? (await this.endpoint(source)), [object])).get(object)?.writers ?? new Set();
  }

  /** Owner claims (no `grantedBy`) race on a unique index: the loser's row is simply not written. */
  private async insert(db: Kysely<Database>, endpoint: string, objects: string[], sourceId: number, grantedBy: string | null, now: number): Promise<void> {
    await db
      .insertInto('destination_claims')
      .values(objects.map((object) => ({ endpoint, object, source_id: sourceId, shared: grantedBy === null ? 0 : 1, granted_by: grantedBy, create_time: now })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  private async claims(db: Kysely<Database>, endpoint: string, objects: string[]): Promise<Map<string, { owner: number; writers: Set<number> }>> {
    const rows = await db.selectFrom('destination_claims').select(['object', 'source_id', 'shared']).where('endpoint', '=', endpoint).where('object', 'in', objects).execute();
    const out = new Map<string, { owner: number; writers: Set<number> }>();
    for (const r of rows) {
      const c = out.get(r.object) ?? { owner: -1, writers: new Set<number>() };
      c.writers.add(r.source_id);
      if (r.shared === 0) c.owner = r.source_id;
      out.set(r.object, c);
    }
    return out;
  }
}
