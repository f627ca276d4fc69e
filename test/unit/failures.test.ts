import { describe, expect, it } from 'vitest';
import { backoffMs, hint, isTransient } from '../../src/engine/failures.js';

describe('failure classification', () => {
  it('retries what a retry can cure', () => {
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'PROTOCOL_CONNECTION_LOST', 'ER_LOCK_DEADLOCK', '40P01', '57P01', 'SQLITE_BUSY']) {
      expect(isTransient(Object.assign(new Error('x'), { code })), code).toBe(true);
    }
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransient(new Error('TransactionContext Error: Catalog write-write conflict on create with "t_3"'))).toBe(true);
    expect(isTransient(new Error('database is locked'))).toBe(true);
    expect(isTransient(new Error('Out of Memory Error: could not allocate block of size 8.0 MiB (39.6 MiB/45.7 MiB used)\n\nPossible solutions:\n* Reducing the number of threads'))).toBe(true);
    expect(isTransient(Object.assign(new Error('permission denied for table t'), { code: '42501' }))).toBe(false);
    expect(isTransient(new Error('verification failed'))).toBe(false);
    expect([1, 2, 3].map(backoffMs)).toEqual([2000, 4000, 8000]);
  });

  it('gives a hint for the common permanent failures', () => {
    expect(hint(new Error('permission denied for table t'))).toMatch(/hint: grant the data source's user read access/);
    expect(hint(new Error('relation "s.t_1" does not exist'))).toMatch(/hint: the source changed since the last scan/);
    expect(hint(new Error('numeric field overflow'))).toMatch(/hint: a value does not fit the destination column type/);
    expect(hint(new Error('invalid byte sequence for encoding "UTF8": 0x00'))).toMatch(/hint: PostgreSQL text cannot hold NUL characters/);
    expect(hint(new Error('something else'))).toBe('something else');
    // DuckDB's own advice (SET statements) is no use to a user of the service: what to change is.
    expect(hint(new Error('Out of Memory Error: could not allocate block of size 8.0 MiB (39.6 MiB/45.7 MiB used)\n\nPossible solutions:\n* Reducing the number of threads (SET threads=X)'))).toMatch(
      /^Out of Memory Error: could not allocate block of size 8\.0 MiB \(39\.6 MiB\/45\.7 MiB used\) \(hint: embedded DuckDB may use \S+ with \d+ threads \([^)]+\); raise OPENMMS_DUCKDB_MEMORY, or lower OPENMMS_DUCKDB_THREADS or the tasks run at once \(--concurrency\)\)$/,
    );
  });
});
