import { describe, expect, it } from 'vitest';
import { oldestMark } from '../../src/engine/change-marks.js';

const mark = (position: string, identity = 'postgres:1/1/16384/a', shape = 's') => JSON.stringify({ identity, position, shape });

describe("a table's change mark from its slices'", () => {
  it('is the oldest snapshot, compared as 64-bit integers, not as text', () => {
    expect(oldestMark([mark('900'), mark('10000000000'), mark('1000')])).toBe(mark('900'));
  });
  it('is none unless every slice has one, of one identity and one destination shape', () => {
    expect(oldestMark([])).toBeNull();
    expect(oldestMark([mark('5'), null])).toBeNull();
    expect(oldestMark([mark('5'), mark('6', 'postgres:2/1/16384/a')])).toBeNull();
    expect(oldestMark([mark('5'), mark('6', undefined, 't')])).toBeNull();
  });
  it('refuses a stored mark that is not one', () => {
    expect(() => oldestMark([JSON.stringify({ identity: 'x', position: '-1', shape: 's' })])).toThrow(/the stored change mark is not valid/);
  });
});
