import { describe, expect, it } from 'vitest';
import { rangeCondition } from '../../src/connectors/data.js';
import { quoteIdent } from '../../src/connectors/sql.js';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { mergeIntervals } from '../../src/verification/key-diff.js';
import { groupIntervals } from '../../src/verification/slice-hash.js';

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

describe('the key groups an increment looks up', () => {
  it('are the keys each engine puts in them (division rounded toward zero, group 0 on both sides of zero), neighbours merged', () => {
    expect(groupIntervals(10n, [2n, 0n, -1n, 1n, 5n, -4n])).toEqual([[-49n, -40n], [-19n, 29n], [50n, 59n]]);
    const db = new SqliteDatabase(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t WITH RECURSIVE s(v) AS (SELECT -500 UNION ALL SELECT v + 1 FROM s WHERE v < 500) SELECT v FROM s');
    for (const [width, groups] of [[7n, [-71n, -3n, -1n, 0n, 1n, 2n, 40n]], [1n, [-5n, 0n, 9n]], [250n, [-2n, -1n, 0n, 1n]]] as [bigint, bigint[]][]) {
      const byGroup = db.prepare(`SELECT id FROM t WHERE id / ${width} IN (${groups.join(', ')}) ORDER BY id`).all();
      const byInterval = db.prepare(`SELECT id FROM t WHERE ${groupIntervals(width, groups).map(([lo, hi]) => `(id BETWEEN ${lo} AND ${hi})`).join(' OR ')} ORDER BY id`).all();
      expect(byInterval).toEqual(byGroup);
    }
    db.close();
  });
});
