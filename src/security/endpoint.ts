import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';

/**
 * What a connection reaches, in one canonical form: every check that asks "is this the same
 * server, file or folder?" (the store guard, the allowed hosts, destination ownership, the one
 * writer of a file, the files data sources may share, the limits of a source) compares these,
 * so no spelling of a host, port or path reaches past one of them.
 *
 * - server: the address connected to (`local` for any address of this machine: loopback,
 *   unspecified, its interfaces, in every IPv4 and IPv6 spelling), the port (the engine's default
 *   filled in) and, for engines whose tables a connection's database names (PostgreSQL), the
 *   database: `server:local:5432/shop`, `server:10.0.0.5:3306`.
 * - file: the real path, whatever engine opens it (one file is one file): `file:/roots/a.duckdb`.
 */
export interface Endpoint {
  kind: 'server' | 'file';
  key: string;
  /** Servers: every address the host resolved to, canonical (see canonicalAddress). */
  addresses?: string[];
  port?: number;
  /** Servers whose connection names the database its tables live in. */
  database?: string;
  /** Files and folders: the real path. */
  path?: string;
}

const hex = (n: number) => n.toString(16);

/** An IPv6 address's eight 16-bit groups (it must be valid, without a zone). */
function groups(v6: string): number[] {
  const host = new URL(`http://[${v6}]`).hostname.slice(1, -1); // compressed, lower case, an IPv4 tail in hex
  const [head = '', tail = ''] = host.split('::');
  const part = (s: string) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const [a, b] = [part(head), part(tail)];
  return host.includes('::') ? [...a, ...Array(8 - a.length - b.length).fill(0), ...b] : a;
}

/**
 * One spelling per address: IPv4 dotted; IPv6 compressed and lower case, without brackets or zone;
 * an IPv6 address that carries an IPv4 one (mapped `::ffff:a.b.c.d` in any spelling, translated
 * `::ffff:0:a.b.c.d`, compatible `::a.b.c.d`) as that IPv4 address, since that is where it leads.
 * Anything else (a name) in lower case.
 */
export function canonicalAddress(address: string): string {
  let a = address.trim().replace(/^\[(.*)\]$/, '$1');
  const zone = a.indexOf('%');
  if (zone >= 0 && isIPv6(a.slice(0, zone))) a = a.slice(0, zone);
  if (isIPv4(a)) return a;
  if (!isIPv6(a)) return a.toLowerCase();
  const g = groups(a);
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  const v4 = () => `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  if (zeros(5) && g[5] === 0xffff) return v4();
  if (zeros(4) && g[4] === 0xffff && g[5] === 0) return v4();
  if (zeros(6) && !(g[6] === 0 && g[7]! <= 1)) return v4();
  return new URL(`http://[${g.map(hex).join(':')}]`).hostname.slice(1, -1);
}

/** Loopback and unspecified addresses, whatever their spelling after canonicalAddress. */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('0.0.0.0', 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addAddress('::', 'ipv6');

/** This machine's own addresses: one server, whichever of them a client names. */
function machineAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) out.add(canonicalAddress(i.address));
  return out;
}

/** An address (canonical) as an endpoint knows it: `local` for this machine's. */
export function addressIdentity(canonical: string, machine = machineAddresses()): string {
  const family = isIPv4(canonical) ? 'ipv4' : isIPv6(canonical) ? 'ipv6' : null;
  if (family && LOOPBACK.check(canonical, family)) return 'local';
  return machine.has(canonical) ? 'local' : canonical;
}

/**
 * A server's endpoint: `connectTo` is the address the connection goes to (of `addresses`, all
 * the host resolved to); `database` only for engines whose connection names where tables live.
 */
export function serverEndpoint(addresses: string[], connectTo: string, port: number, database: string | null): Endpoint {
  const machine = machineAddresses();
  const ids = [...new Set(addresses.map((a) => addressIdentity(canonicalAddress(a), machine)))];
  const key = `server:${addressIdentity(canonicalAddress(connectTo), machine)}:${port}${database === null ? '' : `/${database}`}`;
  return { kind: 'server', key, addresses: ids, port, ...(database !== null && { database }) };
}

export function fileEndpoint(realPath: string): Endpoint {
  return { kind: 'file', key: `file:${realPath}`, path: realPath };
}

/**
 * Whether two server endpoints can be the same server: an address in common, the same port and,
 * where both name one, the same database. (A name resolving to several addresses may lead to any.)
 */
export function sameServer(a: Endpoint, b: Endpoint): boolean {
  if (a.kind !== 'server' || b.kind !== 'server' || a.port !== b.port) return false;
  if (a.database !== undefined && b.database !== undefined && a.database !== b.database) return false;
  return a.addresses!.some((x) => b.addresses!.includes(x));
}
