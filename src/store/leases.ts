import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** A process's name in the leases it holds on tasks and scans: host, pid, and a nonce (a pid is reused after a restart). */
/** How long what a process holds (tasks, scans, source snapshots) stays its own unrenewed, unless configured (OPENMMS_LEASE_SECONDS). */
export const DEFAULT_LEASE_MS = 15_000;

export const leaseOwner = (): string => `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
