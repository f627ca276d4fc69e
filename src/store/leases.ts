import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** A process's name in the leases it holds on tasks and scans: host, pid, and a nonce (a pid is reused after a restart). */
export const leaseOwner = (): string => `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
