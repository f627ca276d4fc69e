import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { duckdbResourcesFrom, parseSize } from '../../src/connectors/duckdb/resources.js';
import { removeScratchLeftovers, scratchFolder } from '../../src/connectors/scratch.js';

const GB = 1e9;

describe('DuckDB memory', () => {
  it('reads sizes as DuckDB does', () => {
    expect([parseSize('512MB'), parseSize('1.5GB'), parseSize('2 GiB'), parseSize('300mb'), parseSize('1000')]).toEqual([512e6, 1.5e9, 2 * 2 ** 30, 300e6, 1000]);
    for (const bad of ['', 'lots', '-1GB', '1 GB GB', '1e9']) expect(parseSize(bad), bad).toBeNull();
  });

  it('shares a quarter of the machine among the instances tasks may hold, within bounds', () => {
    expect(duckdbResourcesFrom({}, 4, 24 * GB)).toMatchObject({ memoryBytes: 128e6, threads: 2 }); // capped
    expect(duckdbResourcesFrom({}, 4, 2 * GB).memoryBytes).toBe(100e6); // 2 GB / 4 / 5
    expect(duckdbResourcesFrom({}, 16, 1 * GB).memoryBytes).toBe(48e6); // never below what a copy cannot spill
    expect(duckdbResourcesFrom({ OPENMMS_DUCKDB_THREADS: '4' }, 16, 1 * GB)).toMatchObject({ memoryBytes: 96e6, threads: 4 });
    expect(duckdbResourcesFrom({ OPENMMS_DUCKDB_MEMORY: '1GB' }, 4, 24 * GB)).toEqual({ memoryBytes: 1e9, threads: 2, source: 'OPENMMS_DUCKDB_MEMORY' });
  });

  it('refuses settings a copy would fail with, saying what would work', () => {
    expect(() => duckdbResourcesFrom({ OPENMMS_DUCKDB_MEMORY: '32MB' }, 4)).toThrow('OPENMMS_DUCKDB_MEMORY must be at least 48MB with 2 DuckDB threads (24MB a thread: what a copy cannot spill to disk); got 32MB');
    expect(() => duckdbResourcesFrom({ OPENMMS_DUCKDB_MEMORY: 'plenty' }, 4)).toThrow('OPENMMS_DUCKDB_MEMORY must be a size such as 512MB or 2GB (got plenty)');
    expect(() => duckdbResourcesFrom({ OPENMMS_DUCKDB_THREADS: '0' }, 4)).toThrow('OPENMMS_DUCKDB_THREADS must be a whole number from 1 to 64 (got 0)');
  });
});

describe('the scratch folder', () => {
  it('removes what dead processes of this machine left, never a live process\'s or another machine\'s', async () => {
    const root = mkdtempSync(join(tmpdir(), 'openmms-scratch-test-'));
    const host = hostname().toLowerCase().replace(/[^a-z0-9.]/g, '_');
    const mine = await scratchFolder(root, 'csv');
    // A pid above any this machine hands out is a process that no longer runs.
    for (const name of [`csv-${host}-99999999-abc123`, `duckdb-${host}-99999998-0123abcd`, `csv-${host}-1-abc123`, `csv-elsewhere-99999999-abc123`, 'notes']) mkdirSync(join(root, name));
    expect(await removeScratchLeftovers(root)).toBe(2);
    expect(readdirSync(root).sort()).toEqual([mine.slice(root.length + 1), `csv-${host}-1-abc123`, `csv-elsewhere-99999999-abc123`, 'notes'].sort());
  });
});
