import { describe, expect, it } from 'vitest';
import { resolveScope } from '../../src/planner/scope.js';

const catalog = {
  tables: ['a', 'b', 'c'],
  partitionTables: new Map([[10, 'a'], [11, 'a'], [20, 'b']]),
  partitionColumns: new Map([['a', [{ name: 'dt', type: 'string' }]]]),
  columns: new Map([['a', ['id', 'name', 'dt']], ['b', ['id', 'label']], ['c', ['x']]]),
};

describe('job scope resolution', () => {
  it('takes the whole database, minus the black list (given both lists, only it applies), or the white list', () => {
    expect(resolveScope({}, catalog).tables.map((t) => t.src)).toEqual(['a', 'b', 'c']);
    expect(resolveScope({ tableBlackList: ['b'] }, catalog).tables.map((t) => t.src)).toEqual(['a', 'c']);
    expect(resolveScope({ tableWhiteList: ['c', 'a'], tableBlackList: ['a'] }, catalog).tables.map((t) => t.src)).toEqual(['b', 'c']);
  });

  it('derives the type and the tables of listed partitions, once each', () => {
    const r = resolveScope({ partitions: [10, 11, 20] }, catalog);
    expect(r.type).toBe('Partitions');
    expect(r.tables.map((t) => t.src)).toEqual(['a', 'b']);
  });

  it('maps table names and refuses collisions, including with an unmapped table', () => {
    expect(resolveScope({ tables: ['a', 'b'], tableMapping: { a: 'x' } }, catalog).tables).toEqual([
      { src: 'a', dst: 'x' },
      { src: 'b', dst: 'b' },
    ]);
    expect(() => resolveScope({ tables: ['a', 'b'], tableMapping: { a: 'b' } }, catalog)).toThrow(/would both be written to 'b'/);
    expect(() => resolveScope({ tables: ['a'], tableMapping: { a: ' ' } }, catalog)).toThrow(/mapped to an empty name/);
  });

  it('refuses a column mapping that merges two columns or names a column no table has', () => {
    expect(() => resolveScope({ tables: ['a', 'b'], columnMapping: { name: 'full_name', label: 'full_name' } }, catalog)).toThrow(
      "columnMapping: columns 'name' and 'label' would both be written to 'full_name'",
    );
    expect(() => resolveScope({ tables: ['a'], columnMapping: { name: 'id' } }, catalog)).toThrow(
      "columnMapping (table 'a'): columns 'id' and 'name' would both be written to 'id'",
    );
    expect(() => resolveScope({ tables: ['a'], columnMapping: { nope: 'x' } }, catalog)).toThrow("columnMapping: no table of this job has a column 'nope'");
    expect(() => resolveScope({ tables: ['a', 'b'], columnMapping: { name: 'full_name' } }, catalog)).not.toThrow();
  });

  it('checks partition filters against the partition columns of their table', () => {
    expect(() => resolveScope({ tables: ['a'], partitionFilters: { a: "dt >= '2024-01-01'" } }, catalog)).not.toThrow();
    expect(() => resolveScope({ tables: ['a'], partitionFilters: { a: '  ' } }, catalog)).toThrow("partitionFilters['a']: the filter is empty at position 1");
    expect(() => resolveScope({ tables: ['a'], partitionFilters: { a: 'dt = 1' } }, catalog)).toThrow("partitionFilters['a']: dt is a string partition column: quote the value ('1') at position 6");
    expect(() => resolveScope({ tables: ['b'], partitionFilters: { b: "dt = '1'" } }, catalog)).toThrow(/'dt' is not a partition column \(partition columns: none/);
  });
});
