import { describe, expect, it } from 'vitest';
import { compileFilter, FilterError } from '../../src/planner/filter/compile.js';
import { parseFilter } from '../../src/planner/filter/parser.js';

const COLUMNS = [
  { name: 'p1', type: 'string' },
  { name: 'p2', type: 'int64' },
  { name: 'p3', type: 'int32' },
  { name: 'p4', type: 'string' },
];
const spec = (p1: string, p2: string, p3: string, p4: string): [string, string][] => [['p1', p1], ['p2', p2], ['p3', p3], ['p4', p4]];
const errorOf = (text: string, columns = COLUMNS) => {
  try {
    compileFilter(text, columns);
  } catch (e) {
    if (e instanceof FilterError) return e.message;
    throw e;
  }
  return 'no error';
};

describe('partition filter language', () => {
  it('evaluates the seed example with SQL precedence and typed comparisons', () => {
    const f = compileFilter("p1 >= '2022-03-04' and (p2 = 10 or p3 > 20) and p4 in ('abc', 'cde')", COLUMNS);
    expect(f(spec('2022-03-04', '10', '0', 'abc'))).toBe(true);
    expect(f(spec('2022-03-05', '9', '21', 'cde'))).toBe(true);
    expect(f(spec('2022-03-03', '10', '0', 'abc'))).toBe(false);
    expect(f(spec('2022-03-04', '9', '20', 'abc'))).toBe(false);
    expect(f(spec('2022-03-04', '10', '0', 'xyz'))).toBe(false);
    // Integers compare as numbers: 9 < 10 although '9' > '10' as text.
    expect(compileFilter('p2 < 10', COLUMNS)(spec('', '9', '', ''))).toBe(true);
    // Strings compare as text.
    expect(compileFilter("p1 < '10'", COLUMNS)(spec('9', '', '', ''))).toBe(false);
  });

  it('binds NOT tighter than AND, and AND tighter than OR', () => {
    const f = compileFilter("p1 = 'a' or p1 = 'b' and p4 = 'x'", COLUMNS);
    expect(f(spec('a', '0', '0', 'y'))).toBe(true);
    expect(f(spec('b', '0', '0', 'y'))).toBe(false);
    const g = compileFilter("not p1 = 'a' and p4 = 'x'", COLUMNS);
    expect(g(spec('b', '0', '0', 'x'))).toBe(true);
    expect(g(spec('a', '0', '0', 'x'))).toBe(false);
    expect(parseFilter("not p1 = 'a' and p4 = 'x'").kind).toBe('and');
  });

  it('supports NOT IN, <>, !=, double quotes, escapes and any case of keywords', () => {
    expect(compileFilter("p4 NOT IN ('a', \"b\")", COLUMNS)(spec('', '0', '0', 'c'))).toBe(true);
    expect(compileFilter("p4 != 'a' AnD p4 <> 'b'", COLUMNS)(spec('', '0', '0', 'b'))).toBe(false);
    expect(compileFilter("p4 = 'it''s'", COLUMNS)(spec('', '0', '0', "it's"))).toBe(true);
    expect(compileFilter("p4 = 'it\\'s'", COLUMNS)(spec('', '0', '0', "it's"))).toBe(true);
    expect(compileFilter('p4 = "a\\"b"', COLUMNS)(spec('', '0', '0', 'a"b'))).toBe(true);
    expect(compileFilter("p4 = 'Zürich 北京'", COLUMNS)(spec('', '0', '0', 'Zürich 北京'))).toBe(true);
    expect(compileFilter('p2 in (-1, 2)', COLUMNS)(spec('', '-1', '0', ''))).toBe(true);
    expect(compileFilter("`p1` = 'x'", COLUMNS)(spec('x', '0', '0', ''))).toBe(true);
    expect(compileFilter("P1 = 'x'", COLUMNS)(spec('x', '0', '0', ''))).toBe(true);
  });

  it('treats a value that is not of the column type as unknown (SQL three-valued logic)', () => {
    const dflt = spec('', 'DEFAULT', '0', '');
    expect(compileFilter('p2 > 1', COLUMNS)(dflt)).toBe(false);
    expect(compileFilter('not p2 > 1', COLUMNS)(dflt)).toBe(false);
    expect(compileFilter('p2 > 1 or p3 = 0', COLUMNS)(dflt)).toBe(true);
    expect(compileFilter('p2 not in (1, 2)', COLUMNS)(dflt)).toBe(false);
  });

  it('reports every mistake with its position', () => {
    expect(errorOf("p1 >= '2022' and (p2 = 10 or p9 > 20)")).toBe("'p9' is not a partition column (partition columns: p1, p2, p3, p4) at position 30");
    expect(errorOf("p2 = 'ten'")).toBe("p2 is an integer partition column, so its values compare with whole numbers, not 'ten' at position 6");
    expect(errorOf('p1 = 2024')).toBe("p1 is a string partition column: quote the value ('2024') at position 6");
    expect(errorOf("p1 = 'abc")).toBe('unterminated string starting at position 6');
    expect(errorOf("(p1 = 'a'")).toBe("expected ')' but found the end of the filter at position 10");
    expect(errorOf("p1 = 'a')")).toBe("')' without a matching '(' at position 9");
    expect(errorOf("p1 'a'")).toBe("expected a comparison (=, <>, !=, <, <=, >, >=) or IN but found 'a' at position 4");
    expect(errorOf("p1 = 'a' p4 = 'b'")).toBe("expected AND, OR or the end of the filter but found 'p4' at position 10");
    expect(errorOf('p1 in ()')).toBe("expected a quoted string or a number but found ')' at position 8");
    expect(errorOf("p1 = 'a' ; drop table x")).toBe("unexpected character ';' at position 10");
    expect(errorOf('   ')).toBe('the filter is empty at position 1');
    expect(errorOf("dt = 'x'", [])).toBe("'dt' is not a partition column (partition columns: none: the table has no partitions) at position 1");
    expect(errorOf('(' .repeat(500) + "p1 = 'a'" + ')'.repeat(500))).toMatch(/nested deeper than 200/);
  });

  it('never fails with anything but a FilterError, whatever the input (fuzz)', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pieces = ['p1', 'p2', 'p4', 'x', '=', '<', '>=', '<>', '!=', 'in', 'not', 'and', 'or', '(', ')', ',', "'a'", '"b"', "'", '"', '\\', '12', '-3', '1.5', '`', '`p1`', ' ', ';', '\u0000', '北', '\n'];
    for (let n = 0; n < 20_000; n++) {
      const text = Array.from({ length: rand(14) }, () => pieces[rand(pieces.length)]).join(rand(2) ? ' ' : '');
      try {
        const f = compileFilter(text, COLUMNS);
        expect(typeof f(spec('a', '1', '2', 'b'))).toBe('boolean');
      } catch (e) {
        if (!(e instanceof FilterError)) throw new Error(`input ${JSON.stringify(text)} threw ${String(e)}`);
        expect(e.position).toBeGreaterThanOrEqual(1);
        expect(e.position).toBeLessThanOrEqual(text.length + 1);
      }
    }
  });
});
