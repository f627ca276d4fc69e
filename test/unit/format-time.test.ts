import { describe, expect, it } from 'vitest';
import { formatTime } from '../../src/api/format.js';

const reference = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

describe('formatTime', () => {
  it('writes what the ISO form of the date says, for times around midnight, before 1970 and far ahead', () => {
    const day = 86_400_000;
    const times = [0, -1, 1, 999, 1000, -1000, -1001, day - 1, day, -day, -day - 1, 951_782_400_000 /* 2000-02-29 */, 253_402_300_799_999 /* 9999-12-31 23:59:59.999 */, -62_135_596_800_000 /* 0001-01-01 */];
    for (let i = 0; i < 20_000; i++) times.push(Math.floor((Math.random() - 0.3) * 4e12));
    for (const ms of times) expect(formatTime(ms), String(ms)).toBe(reference(ms));
  });
});
