import { describe, expect, it } from 'vitest';
import { encodeCopyRow } from '../../src/connectors/postgres/copy-text.js';
import type { LogicalType } from '../../src/connectors/types/logical.js';

const types = (...kinds: string[]) => kinds.map((kind) => ({ kind }) as LogicalType);

describe('a row as one line of COPY text', () => {
  it('escapes what COPY reads specially, and only that', () => {
    const row = ['a\\b\tc\nd\re', 'plain', null, -0, 12345678901234567890n, Buffer.from([0, 255]), true];
    expect(encodeCopyRow(row, types('string', 'string', 'string', 'float64', 'int64', 'binary', 'boolean'))).toBe('a\\\\b\\tc\\nd\\re\tplain\t\\N\t-0\t12345678901234567890\t\\\\x00ff\tt\n');
  });

  it('appends the slice tag as one more escaped field, also to a row without columns', () => {
    expect(encodeCopyRow([1], types('int32'), ['day=1\t2'])).toBe('1\tday=1\\t2\n');
    expect(encodeCopyRow([], [], ['day=1'])).toBe('day=1\n');
    expect(encodeCopyRow([], [])).toBe('\n');
  });
});
