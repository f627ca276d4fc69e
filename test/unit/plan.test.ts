import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/planner/filter/compile.js';
import { planTasks, taskLimits, type PlanPartition, type PlanTable } from '../../src/planner/tasks.js';

const GB = 1024 ** 3;
const part = (id: number, size: number, extra: Partial<PlanPartition> = {}): PlanPartition => ({
  id, value: `d=${id}`, spec: [['d', String(id)]], location: `p${id}`, size, status: 'INIT', updated: false, ...extra,
});
const table = (partitions: PlanPartition[], extra: Partial<PlanTable> = {}): PlanTable => ({
  tableId: 1, src: 't', dst: 't', partitioned: true, status: 'INIT', updated: false, size: 0, partitions, ...extra,
});
const base = { increment: false, filters: new Map(), partitionIds: null, maxPartitionsPerTask: 50, maxBytesPerTask: 5 * GB };

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
    expect(planTasks([table([], { partitioned: false, size: 99 })], base)).toEqual([{ tableId: 1, src: 't', dst: 't', partitions: null, size: 99 }]);
  });

  it('with increment, takes only partitions and tables not DONE or changed since', () => {
    const parts = [part(1, 1, { status: 'DONE' }), part(2, 1, { status: 'DONE', updated: true }), part(3, 1, { status: 'FAILED' }), part(4, 1)];
    expect(planTasks([table(parts)], { ...base, increment: true })[0]!.partitions!.map((p) => p.id).sort()).toEqual([2, 3, 4]);
    expect(planTasks([table([], { partitioned: false, status: 'DONE' })], { ...base, increment: true })).toEqual([]);
    expect(planTasks([table([], { partitioned: false, status: 'DONE', updated: true })], { ...base, increment: true })).toHaveLength(1);
  });

  it('applies partition filters and partition id lists', () => {
    const filter = compileFilter('d >= 3', [{ name: 'd', type: 'int64' }]);
    const parts = [1, 2, 3, 4, 10].map((i) => part(i, i));
    expect(planTasks([table(parts)], { ...base, filters: new Map([['t', filter]]) })[0]!.partitions!.map((p) => p.id)).toEqual([10, 4, 3]);
    expect(planTasks([table(parts)], { ...base, partitionIds: new Set([2, 4]) })[0]!.partitions!.map((p) => p.id)).toEqual([4, 2]);
  });

  it('reads MMA task limits from the job config', () => {
    expect(taskLimits({})).toEqual({ maxPartitionsPerTask: 50, maxBytesPerTask: 5 * GB });
    expect(taskLimits({ 'task.partition.max.num': 10, 'task.partition.max.size': '0.5' })).toEqual({ maxPartitionsPerTask: 10, maxBytesPerTask: 0.5 * GB });
  });
});
