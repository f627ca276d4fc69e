import { createHash } from 'node:crypto';
import type { DataColumn, Row, Value } from '../connectors/data.js';
import type { LogicalType } from '../connectors/types/logical.js';

/** JSON with object keys sorted: two engines that spell the same document differently agree. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** One value in a form that does not depend on the engine it came from. */
function normalise(v: Value, t: LogicalType): string {
  if (v === null) return '\u0000';
  if (Buffer.isBuffer(v)) return `x${v.toString('hex')}`;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v !== 'string') return String(v);
  switch (t.kind) {
    case 'json':
    case 'array':
    case 'map':
    case 'struct':
      try {
        return stableJson(JSON.parse(v));
      } catch {
        return v;
      }
    case 'decimal':
      return v.includes('.') ? v.replace(/\.?0+$/, '') : v; // 1.50 and 1.5 are one number
    default:
      return v;
  }
}

/**
 * An order-independent content checksum of a slice: the sum (mod 2^64) of a hash of each row's
 * normalised values. Rows may come in any order; a duplicated, missing or altered row changes it.
 */
export class Checksum {
  private sum = 0n;
  rows = 0;

  constructor(private readonly columns: DataColumn[]) {}

  add(batch: Row[]): void {
    for (const row of batch) {
      const text = row.map((v, i) => normalise(v, this.columns[i]!.type)).join('\u0001');
      this.sum = (this.sum + createHash('sha256').update(text).digest().readBigUInt64BE(0)) & 0xffffffffffffffffn;
      this.rows++;
    }
  }

  get value(): string {
    return this.sum.toString(16).padStart(16, '0');
  }
}
