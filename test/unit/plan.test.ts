import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/planner/filter/compile.js';
import type { Engine } from '../../src/connectors/engines.js';
import { planOptions } from '../../src/jobs/plan.js';
import { planTasks, taskLimits, type PlanPartition, type PlanTable } from '../../src/planner/tasks.js';

const GB = 1024 ** 3;
const part = (id: number, size: number, extra: Partial<PlanPartition> = {}): PlanPartition => ({
  id, value: `d=${id}`, spec: [['d', String(id)]], location: `p${id}`, size, status: 'INIT', updated: false, ...extra,
});
const table = (partitions: PlanPartition[], extra: Partial<PlanTable> = {}): PlanTable => ({
  tableId: 1, src: 't', dst: 't', partitioned: true, status: 'INIT', updated: false, size: 0, rows: 0, partitions, dropped: [], chunkKey: null, cuts: null, ...extra,
});
const base = { increment: false, filters: new Map(), partitionIds: null, maxPartitionsPerTask: 50, maxBytesPerTask: 5 * GB, chunk: null, cuts: true, keepDeleted: false };

describe('task planning', () => {
  it('packs largest first within the partition and byte limits; an oversized partition goes alone', () => {
    const parts = [part(1, 1 * GB), part(2, 7 * GB), part(3, 3 * GB), part(4, 2 * GB), part(5, 0), part(6, 1 * GB)];
    const tasks = planTasks([table(parts)], base);
    expect(tasks.map((t) => t.partitions!.map((p) => p.id))).toEqual([[2], [3, 4], [1, 6, 5]]);
    expect(tasks.map((t) => t.size / GB)).toEqual([7, 5, 2]);
    const many = planTasks([table(Array.from({ length: 120 }, (_, i) => part(i + 1, 10)))], base);
    expect(many.map((t) => t.partitions!.length)).toEqual([50, 50, 20]);
  });

  it('plans an unpartitioned table as one task', () => {
    expect(planTasks([table([], { partitioned: false, size: 99 })], base)).toEqual([{ tableId: 1, src: 't', dst: 't', partitions: null, size: 99, mode: 'copy' }]);
  });

  it('cuts a big table with an integer key into chunks of its key range, the ends open; not where the destination takes none', () => {
    const big = table([], { partitioned: false, size: 10 * GB, rows: 1000, chunkKey: { column: 'id', min: 1n, max: 1000n } });
    const chunk = { bytes: 4 * GB, rows: 10_000 };
    const tasks = planTasks([big], { ...base, chunk });
    expect(tasks.map((t) => [t.range!.lo, t.range!.hi])).toEqual([[null, 335n], [335n, 669n], [669n, null]]);
    expect(tasks.every((t) => t.partitions === null && t.size === Math.ceil((10 * GB) / 3))).toBe(true);
    // By rows too; never more chunks than keys; one chunk is the whole table.
    expect(planTasks([{ ...big, size: 0, rows: 25_000 }], { ...base, chunk }).length).toBe(3);
    expect(planTasks([{ ...big, chunkKey: { column: 'id', min: 5n, max: 6n } }], { ...base, chunk }).map((t) => [t.range!.lo, t.range!.hi])).toEqual([[null, 6n], [6n, null]]);
    expect(planTasks([{ ...big, size: GB }], { ...base, chunk })).toEqual([{ tableId: 1, src: 't', dst: 't', partitions: null, size: GB, mode: 'copy' }]);
    expect(planTasks([big], base)).toHaveLength(1);
    expect(planTasks([{ ...big, chunkKey: null }], { ...base, chunk })).toHaveLength(1);
    expect(taskLimits({ 'task.chunk.size': 0.5, 'task.chunk.rows': '1000' }).chunk).toEqual({ bytes: GB / 2, rows: 1000 });
  });

  it('cuts a big table without an integer key at its cut points, spread evenly; compares each chunk in an increment, changed or not', () => {
    const bounds = Array.from({ length: 9 }, (_, i) => `k${i + 1}`); // 10 slices
    const big = table([], { partitioned: false, size: 0, rows: 10_000, cuts: { by: 'key', column: 'name', bounds, rows: 10_000 } });
    const chunk = { bytes: 4 * GB, rows: 2_000 };
    const cuts = planTasks([big], { ...base, chunk }).map((t) => [t.cut!.lo, t.cut!.hi]);
    expect(cuts).toEqual([[null, 'k2'], ['k2', 'k4'], ['k4', 'k6'], ['k6', 'k8'], ['k8', null]]);
    expect(planTasks([big], { ...base, chunk: { ...chunk, rows: 3_000 } }).map((t) => t.cut!.hi)).toEqual(['k2', 'k5', 'k7', null]);
    // More chunks asked for than it has cut points: every one of them.
    expect(planTasks([big], { ...base, chunk: { ...chunk, rows: 10 } })).toHaveLength(10);
    expect(planTasks([big], { ...base, chunk: { ...chunk, rows: 10 } }).every((t) => t.cut!.by === 'key' && t.cut!.column === 'name' && t.range === undefined)).toBe(true);
    // Not chunked: one task for the whole table, and no cut where the destination takes no chunks.
    expect(planTasks([big], { ...base, chunk: { ...chunk, rows: 20_000 } })).toEqual([{ tableId: 1, src: 't', dst: 't', partitions: null, size: 0, mode: 'copy' }]);
    expect(planTasks([big], base)).toHaveLength(1);
    expect(planTasks([big], { ...base, chunk, cuts: false })).toHaveLength(1); // a verify-only job
    const done = { ...big, status: 'DONE' as const, updated: true };
    expect(planTasks([done], { ...base, chunk, increment: true }).map((t) => t.mode)).toEqual(Array(5).fill('compare'));
    expect(planTasks([done], { ...base, chunk: { ...chunk, rows: 20_000 }, increment: true }).map((t) => t.mode)).toEqual(['copy']);
  });

  it('cuts a partition larger than a chunk by its integer key, a task per chunk; the rest packed as before', () => {
    const key = { column: 'id', min: 1n, max: 9000n };
    const parts = [part(1, 10, { rows: 9000, key }), part(2, 10, { rows: 100, key }), part(3, 10, { rows: 9000, key: null }), part(4, 10, { rows: 9000, key, status: 'DONE' })];
    const chunk = { bytes: 4 * GB, rows: 3000 };
    const tasks = planTasks([table(parts)], { ...base, chunk, increment: true });
    const shape = tasks.map((t) => [t.partitions!.map((p) => p.id), t.range ? [t.range.lo, t.range.hi] : null, t.partitions!.map((p) => p.mode)]);
    expect(shape).toEqual([
      [[1], [null, 3001n], ['copy']], [[1], [3001n, 6001n], ['copy']], [[1], [6001n, null], ['copy']],
      // A DONE partition's chunks are compared first, as a whole one is.
      [[4], [null, 3001n], ['compare']], [[4], [3001n, 6001n], ['compare']], [[4], [6001n, null], ['compare']],
      // Small, or without a key: packed whole.
      [[2, 3], null, ['copy', 'copy']],
    ]);
    // Where the destination takes no chunks, every partition whole.
    expect(planTasks([table(parts)], base).every((t) => t.range === undefined)).toBe(true);
  });

  it('with increment, copies what is not DONE or changed since, and compares the rest first', () => {
    const parts = [part(1, 1, { status: 'DONE' }), part(2, 1, { status: 'DONE', updated: true }), part(3, 1, { status: 'FAILED' }), part(4, 1)];
    // DONE and unchanged: compared first (copied only if the two ends differ); the rest copied.
    const copied = (tasks: ReturnType<typeof planTasks>) => tasks.flatMap((t) => t.partitions!.filter((p) => p.mode === 'copy').map((p) => p.id)).sort();
    expect(copied(planTasks([table(parts)], { ...base, increment: true }))).toEqual([2, 3, 4]);
    expect(copied(planTasks([table(parts)], { ...base, increment: false }))).toEqual(parts.map((p) => p.id).sort());
    expect(planTasks([table([], { partitioned: false, status: 'DONE' })], { ...base, increment: true }).map((t) => t.mode)).toEqual(['compare']);
    expect(planTasks([table([], { partitioned: false, status: 'DONE', updated: true })], { ...base, increment: true }).map((t) => t.mode)).toEqual(['copy']);
    // Gone from the source but maybe still at the destination: removed, in scope only, unless kept.
    const gone = [part(7, 5, { status: 'DONE' }), part(8, 5, { status: 'FAILED', value: 'e=8', spec: [['e', '8']] })];
    const modes = (o: Partial<typeof base>, filter?: string) => {
      const filters = new Map(filter ? [['t', compileFilter(filter, [{ name: 'd', type: 'STRING' }, { name: 'e', type: 'STRING' }])]] : []);
      return planTasks([table(parts, { dropped: gone })], { ...base, ...o, filters }).flatMap((t) => t.partitions!.map((p) => `${p.id}:${p.mode}`)).sort();
    };
    expect(modes({ increment: true })).toEqual(['1:compare', '2:copy', '3:copy', '4:copy', '7:remove', '8:remove']);
    expect(modes({ increment: false, keepDeleted: true })).toEqual(['1:copy', '2:copy', '3:copy', '4:copy']);
    expect(modes({ increment: false }, "d = '7'")).toEqual(['7:remove']);
  });

  it('applies partition filters and partition id lists', () => {
    const filter = compileFilter('d >= 3', [{ name: 'd', type: 'int64' }]);
    const parts = [1, 2, 3, 4, 10].map((i) => part(i, i));
    expect(planTasks([table(parts)], { ...base, filters: new Map([['t', filter]]) })[0]!.partitions!.map((p) => p.id)).toEqual([10, 4, 3]);
    expect(planTasks([table(parts)], { ...base, partitionIds: new Set([2, 4]) })[0]!.partitions!.map((p) => p.id)).toEqual([4, 2]);
  });

  it('reads MMA task limits from the job config', () => {
    expect(taskLimits({})).toEqual({ maxPartitionsPerTask: 50, maxBytesPerTask: 5 * GB, chunk: { bytes: 128 * 1024 ** 2, rows: 2_000_000 } });
    expect(taskLimits({ 'task.partition.max.num': 10, 'task.partition.max.size': '0.5' })).toMatchObject({ maxPartitionsPerTask: 10, maxBytesPerTask: 0.5 * GB });
  });

  it('packs ten times the partitions into a task for a single-writer file (DuckDB, SQLite), unless the job says how many', () => {
    const parts = Array.from({ length: 1200 }, (_, i) => part(i + 1, 1000));
    const tasksInto = (destination: Engine, others: Record<string, unknown> = {}) =>
      planTasks([table(parts)], planOptions({ increment: false, taskType: null, partitions: [], others }, 'Tables', new Map(), destination)).map((t) => t.partitions!.length);
    expect(tasksInto('POSTGRESQL')).toEqual(Array(24).fill(50));
    expect(tasksInto('LAKE')).toEqual(Array(24).fill(50));
    expect(tasksInto('DUCKDB')).toEqual([500, 500, 200]);
    expect(tasksInto('SQLITE')).toEqual([500, 500, 200]);
    expect(tasksInto('DUCKDB', { 'task.partition.max.num': 50 })).toEqual(Array(24).fill(50));
    expect(tasksInto('DUCKDB', { 'task.partition.max.size': 0.25 / 1024 })).toEqual([262, 262, 262, 262, 152]);
  });
});

describe('cut points', () => {
  it('rowids of equal width, files at about every step rows; nothing where a table is too small', async () => {
    const { boundsByRows, cutStep, evenBounds } = await import('../../src/connectors/cuts.js');
    expect(cutStep(1999)).toBeNull();
    expect(cutStep(2000)).toBe(1000);
    expect(cutStep(10_000_000)).toBe(Math.ceil(10_000_000 / 1024));
    expect(evenBounds(1n, 10_000n, 10_000)).toEqual(['1001', '2001', '3001', '4001', '5001', '6001', '7001', '8001', '9001']);
    expect(evenBounds(1n, 10_000n, 1_000)).toEqual([]);
    expect(evenBounds(-5n, 3_000_000_000n, 5_000_000).length).toBe(1022); // 1,023 slices of 4,883 rows
    const files = [{ name: 'a', rows: 600 }, { name: 'b', rows: 600 }, { name: 'c', rows: 600 }, { name: 'd', rows: 400 }, { name: 'e', rows: 2000 }];
    expect(boundsByRows(files, 1000)).toEqual(['c', 'e']);
  });
});
