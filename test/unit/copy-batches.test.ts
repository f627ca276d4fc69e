import { describe, expect, it } from 'vitest';
import { BATCH_BYTES, BATCH_SLICES, batches, type SizedPart } from '../../src/engine/copy-batch.js';

const part = (seq: number, size: number | null, partitioned = true): SizedPart => ({
  task_id: 1, seq, partition_id: partitioned ? seq + 100 : null, value: partitioned ? `d=${seq}` : null, location: 'x', status: 'INIT', rows: 0, verification: null, range_key: null, range_lo: null, range_hi: null, mode: 'copy', change_mark: null, cut: null, size,
});
const shape = (groups: SizedPart[][]) => groups.map((g) => g.map((p) => p.seq));

describe('batches of a task partitions', () => {
  it('groups runs of small partitions, in order, within the slice and byte limits', () => {
    const many = Array.from({ length: BATCH_SLICES + 5 }, (_, i) => part(i, 10));
    expect(shape(batches(many, true)).map((g) => g.length)).toEqual([BATCH_SLICES, 5]);
    const mb = 1024 ** 2;
    // A large partition stands alone and splits the run; bytes close a batch before it overflows.
    const mixed = [part(0, mb), part(1, BATCH_BYTES), part(2, 40 * mb), part(3, 30 * mb), part(4, mb)];
    expect(shape(batches(mixed, true))).toEqual([[0], [1], [2], [3, 4]]);
  });

  it('leaves alone what cannot batch: an unknown size, a whole table, a run that may not batch', () => {
    expect(shape(batches([part(0, 1), part(1, null), part(2, 1)], true))).toEqual([[0], [1], [2]]);
    expect(shape(batches([part(0, 1, false)], true))).toEqual([[0]]);
    expect(shape(batches([part(0, 1), part(1, 1)], false))).toEqual([[0], [1]]);
  });
});
