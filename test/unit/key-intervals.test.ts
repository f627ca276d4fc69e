import { describe, expect, it } from 'vitest';
import { rangeCondition } from '../../src/connectors/data.js';
import { quoteIdent } from '../../src/connectors/sql.js';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { mergeIntervals } from '../../src/verification/key-diff.js';

describe('the key intervals an increment replaces', () => {
  it('merge where they touch or overlap, then across the smallest gaps down to the limit', () => {
    expect(mergeIntervals([[5n, 5n], [1n, 2n], [3n, 3n], [10n, 12n], [11n, 20n]], 10)).toEqual([[1n, 3n], [5n, 5n], [10n, 20n]]);
    // Gaps 1→10: 6, 10→12: 1, 12→100: 87: the two smallest close.
    expect(mergeIntervals([[1n, 3n], [10n, 10n], [12n, 12n], [100n, 100n]], 2)).toEqual([[1n, 12n], [100n, 100n]]);
    expect(mergeIntervals([], 3)).toEqual([]);
  });

  it('select exactly their keys in an engine, thousands of them without reaching SQLite’s expression depth', () => {
    const db = new SqliteDatabase(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 60000) SELECT v FROM s');
    // Single keys, short ranges (listed key by key) and 2,000 wide ones (ORed), 6,000 in all; the first 500 within the range.
    const only: [bigint, bigint][] = Array.from({ length: 6000 }, (_, i) => [BigInt(i * 100), BigInt(i * 100 + [0, 2, 70][i % 3]!)]);
    const where = rangeCondition({ column: 'id', lo: 100n, hi: 50_000n, only }, quoteIdent);
    const n = (db.prepare(`SELECT count(*) AS n FROM t WHERE ${where}`).get() as { n: number }).n;
    const want = only.flatMap(([a, b]) => Array.from({ length: Number(b - a) + 1 }, (_, k) => a + BigInt(k))).filter((k) => k >= 100n && k < 50_000n).length;
    expect(n).toBe(want);
    db.close();
  });
});
