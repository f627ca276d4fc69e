import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { MmsError } from '../errors.js';
import { canonicalAddress, sameServer, serverEndpoint, type Endpoint } from './endpoint.js';
import { SERVER_IDENTITY } from '../connectors/engines.js';

/**
 * Where server connections (PostgreSQL, MySQL) may go: to the hosts OPENMMS_ALLOWED_HOSTS lists
 * (any, when unset), and never to the service's own metadata store. A host name is resolved once
 * per connection and the connection then goes to the address that was checked (TLS too), so a
 * name cannot point elsewhere between the check and the connect.
 */

/** A host the sandbox refused: the caller's to fix (400). */
export class HostRefused extends MmsError {
  constructor(message: string) {
    super(400, 'HostNotAllowed', message);
    this.name = 'HostRefused';
  }
}

/** A server as a connection names it: host (a name or any spelling of an address), port, and the database where the engine's identity has one. */
export interface ServerTarget {
  host: string;
  port: number;
  database: string | null;
}

/** Every address a host leads to, as given (a zone kept for connecting) and resolved once. */
async function addressesOf(host: string): Promise<string[]> {
  const bare = host.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) || isIP(bare.split('%')[0]!)) return [bare];
  try {
    return (await lookup(bare, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    throw new HostRefused(`cannot resolve host '${host}'`);
  }
}

/** One allowed-hosts entry: a host name (`db.internal`, `*.corp.example`), an address or a CIDR block. */
export class AllowedHosts {
  private readonly names: RegExp[] = [];
  private readonly blocks = new BlockList();
  private hasBlocks = false;

  constructor(readonly entries: string[]) {
    for (const raw of entries) {
      const e = raw.trim().toLowerCase();
      if (!e) continue;
      const [addr, bits] = e.split('/') as [string, string | undefined];
      const family = isIP(addr);
      if (family) {
        const type = family === 4 ? 'ipv4' : 'ipv6';
        const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
        if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw new Error(`OPENMMS_ALLOWED_HOSTS: '${raw}' is not a valid CIDR block`);
        this.blocks.addSubnet(addr, prefix, type);
        this.hasBlocks = true;
      } else if (/^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(e)) {
        this.names.push(new RegExp(`^${e.replace(/\./g, '\\.').replace(/^\*/, '[^.]+(\\.[^.]+)*')}$`));
      } else {
        throw new Error(`OPENMMS_ALLOWED_HOSTS: '${raw}' is neither a host name, an address nor a CIDR block`);
      }
    }
  }

  get restricted(): boolean {
    return this.names.length > 0 || this.hasBlocks;
  }

  /** A host is allowed by its name, or when every address it resolves to lies in an allowed block. */
  allows(host: string, addresses: string[]): boolean {
    if (!this.restricted) return true;
    if (this.names.some((n) => n.test(host.toLowerCase()))) return true;
    return this.hasBlocks && addresses.length > 0 && addresses.every((a) => this.blocks.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4'));
  }
}

export class Egress {
  constructor(
    private readonly allowed: AllowedHosts,
    /** The PostgreSQL metadata store's endpoint; null on a SQLite store. */
    private readonly store: Endpoint | null,
  ) {}

  static async create(allowedHosts: string[], store: ServerTarget | null): Promise<Egress> {
    const addresses = store ? await addressesOf(store.host).catch(() => [store.host]) : [];
    return new Egress(new AllowedHosts(allowedHosts), store && serverEndpoint(addresses, addresses[0]!, store.port, store.database));
  }

  /**
   * Checks a server: every address its host resolves to must be allowed, and none may lead to the
   * store's database, in any spelling (security/endpoint.ts). Returns the address to connect to
   * and the endpoint that connection reaches.
   */
  async check(target: ServerTarget): Promise<{ address: string; endpoint: Endpoint }> {
    const addresses = await addressesOf(target.host);
    if (!this.allowed.allows(target.host, addresses.map(canonicalAddress))) {
      throw new HostRefused(`host '${target.host}' is not one this service may connect to (OPENMMS_ALLOWED_HOSTS)`);
    }
    // Servers on this machine often listen on 127.0.0.1 only, while `localhost` may resolve to ::1 first.
    // An IPv4 address in an IPv6 spelling is connected to as IPv4; a link-local one keeps its zone.
    const chosen = addresses.find((a) => isIP(canonicalAddress(a)) === 4) ?? addresses[0]!;
    const address = isIP(canonicalAddress(chosen)) === 4 ? canonicalAddress(chosen) : chosen;
    const endpoint = serverEndpoint(addresses, address, target.port, target.database);
    if (this.store && sameServer(endpoint, this.store)) {
      throw new HostRefused(`database '${target.database ?? ''}' at ${target.host}:${target.port} is this service's own metadata store: it can be neither a source nor a destination`);
    }
    return { address, endpoint };
  }
}

/** The store's server from its URL (`postgres://user@host:port/db`); null for SQLite. */
export function storeTarget(storeUrl: string): ServerTarget | null {
  if (!/^postgres(ql)?:\/\//.test(storeUrl)) return null;
  const u = new URL(storeUrl);
  const database = decodeURIComponent(u.pathname.slice(1)) || decodeURIComponent(u.username) || 'postgres';
  return { host: u.hostname || 'localhost', port: Number(u.port || SERVER_IDENTITY.POSTGRESQL!.defaultPort), database };
}
