import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { MmsError } from '../errors.js';

/**
 * Where server connections (PostgreSQL, MySQL) may go: to the hosts OPENMMS_ALLOWED_HOSTS lists
 * (any, when unset), and never to the service's own metadata store. A host name is resolved once
 * per connection and the connection then goes to the address that was checked, so a name cannot
 * point elsewhere between the check and the connect.
 */

/** A host the sandbox refused: the caller's to fix (400). */
export class HostRefused extends MmsError {
  constructor(message: string) {
    super(400, 'HostNotAllowed', message);
    this.name = 'HostRefused';
  }
}

/** A server endpoint: what the store's own database is compared by. */
export interface ServerEndpoint {
  host: string;
  port: number;
  database: string;
}

const unmapped = (a: string) => a.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1').toLowerCase();

/** This machine's addresses (loopback, any interface, unspecified): one server, whichever of them a client names. */
function localAddresses(): Set<string> {
  const out = new Set(['127.0.0.1', '::1', '0.0.0.0', '::']);
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) out.add(unmapped(i.address));
  return out;
}

const isLoopback = (a: string) => /^127\./.test(a) || a === '::1';

async function addressesOf(host: string): Promise<string[]> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare)) return [unmapped(bare)];
  try {
    return (await lookup(bare, { all: true, verbatim: true })).map((a) => unmapped(a.address));
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
  private readonly local = localAddresses();

  constructor(
    private readonly allowed: AllowedHosts,
    /** The PostgreSQL metadata store, with its host's addresses; null on a SQLite store. */
    private readonly store: (ServerEndpoint & { addresses: string[] }) | null,
  ) {}

  static async create(allowedHosts: string[], store: ServerEndpoint | null): Promise<Egress> {
    return new Egress(new AllowedHosts(allowedHosts), store && { ...store, addresses: await addressesOf(store.host).catch(() => [store.host]) });
  }

  private same(a: string, b: string): boolean {
    const norm = (x: string) => (this.local.has(x) || isLoopback(x) ? 'local' : x);
    return norm(a) === norm(b);
  }

  /**
   * Checks a server endpoint; returns the address to connect to. `engine` tells whether the
   * endpoint could be the store (only a PostgreSQL connection can).
   */
  async check(engine: string, endpoint: ServerEndpoint): Promise<string> {
    const addresses = await addressesOf(endpoint.host);
    if (!this.allowed.allows(endpoint.host, addresses)) {
      throw new HostRefused(`host '${endpoint.host}' is not one this service may connect to (OPENMMS_ALLOWED_HOSTS)`);
    }
    const store = this.store;
    if (store && engine === 'POSTGRESQL' && endpoint.port === store.port && endpoint.database === store.database && addresses.some((a) => store.addresses.some((s) => this.same(a, s)))) {
      throw new HostRefused(`database '${endpoint.database}' at ${endpoint.host}:${endpoint.port} is this service's own metadata store: it can be neither a source nor a destination`);
    }
    // Servers on this machine often listen on 127.0.0.1 only, while `localhost` may resolve to ::1 first.
    return addresses.find((a) => isIP(a) === 4) ?? addresses[0]!;
  }
}

/** The store's endpoint from its URL (`postgres://user@host:port/db`); null for SQLite. */
export function storeEndpoint(storeUrl: string): ServerEndpoint | null {
  if (!/^postgres(ql)?:\/\//.test(storeUrl)) return null;
  const u = new URL(storeUrl);
  const database = decodeURIComponent(u.pathname.slice(1)) || decodeURIComponent(u.username) || 'postgres';
  return { host: u.hostname || 'localhost', port: Number(u.port || 5432), database };
}
