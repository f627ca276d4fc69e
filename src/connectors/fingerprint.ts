import { createHash } from 'node:crypto';

/** A short, stable digest of whatever signals tell that an object changed. */
export function fingerprint(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 24);
}
