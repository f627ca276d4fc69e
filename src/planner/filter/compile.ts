import { FilterError } from './lexer.js';
import { parseFilter, type CompareOp, type Expr, type Literal } from './parser.js';

export interface FilterColumn {
  name: string;
  /** Logical type text: integer types compare as numbers, every other type as text. */
  type: string;
}

/** Tells whether a partition, as its (column, value) pairs, is selected. */
export type PartitionFilter = (spec: readonly (readonly [string, string])[]) => boolean;

const INTEGER_TYPES = new Set(['int8', 'int16', 'int32', 'int64']);
const INTEGER = /^-?\d+$/;

type Compiled = (values: Map<string, string>) => boolean | null;

/**
 * AND (`decisive` false) and OR (`decisive` true) in three-valued logic: the decisive value on
 * either side decides; otherwise an unknown side makes the whole unknown.
 */
function junction(l: Compiled, r: Compiled, decisive: boolean): Compiled {
  return (v) => {
    const a = l(v);
    if (a === decisive) return decisive;
    const b = r(v);
    return b === decisive ? decisive : a === null || b === null ? null : !decisive;
  };
}

/**
 * Parses a filter and types it against the table's partition columns, so every mistake (unknown
 * column, a string compared with an integer column, …) is reported now, with its position, rather
 * than matching nothing later. Evaluation follows SQL's three-valued logic: a comparison with a
 * value that is not of the column's type (e.g. a DEFAULT partition of an integer column) is unknown,
 * and an unknown filter does not select the partition.
 */
export function compileFilter(text: string, columns: FilterColumn[]): PartitionFilter {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const resolve = (name: string, pos: number): FilterColumn => {
    const exact = byName.get(name);
    if (exact) return exact;
    const folded = columns.filter((c) => c.name.toLowerCase() === name.toLowerCase());
    if (folded.length === 1) return folded[0]!;
    const known = columns.length ? columns.map((c) => c.name).join(', ') : 'none: the table has no partitions';
    throw new FilterError(`'${name}' is not a partition column (partition columns: ${known})`, pos);
  };

  const compile = (e: Expr): Compiled => {
    switch (e.kind) {
      case 'and':
        return junction(compile(e.left), compile(e.right), false);
      case 'or':
        return junction(compile(e.left), compile(e.right), true);
      case 'not': {
        const inner = compile(e.expr);
        return (v) => {
          const a = inner(v);
          return a === null ? null : !a;
        };
      }
      case 'compare': {
        const column = resolve(e.column, e.columnPos);
        const cmp = comparator(column, e.value);
        const test = OPS[e.op];
        return (v) => {
          const c = cmp(v.get(column.name));
          return c === null ? null : test(c);
        };
      }
      case 'in': {
        const column = resolve(e.column, e.columnPos);
        const cmps = e.values.map((value) => comparator(column, value));
        return (v) => {
          const raw = v.get(column.name);
          const results = cmps.map((c) => c(raw));
          const found = results.includes(0) ? true : results.includes(null) ? null : false;
          return found === null ? null : e.negated ? !found : found;
        };
      }
    }
  };

  const root = compile(parseFilter(text));
  return (spec) => root(new Map(spec as [string, string][])) === true;
}

const OPS: Record<CompareOp, (c: number) => boolean> = {
  '=': (c) => c === 0,
  '<>': (c) => c !== 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};

/** Compares a partition's value with a literal: <0, 0, >0, or null when they cannot be compared. */
function comparator(column: FilterColumn, literal: Literal): (value: string | undefined) => number | null {
  if (INTEGER_TYPES.has(column.type)) {
    if (!INTEGER.test(literal.text)) {
      throw new FilterError(`${column.name} is an integer partition column, so its values compare with whole numbers, not '${literal.text}'`, literal.pos);
    }
    const want = BigInt(literal.text);
    return (value) => {
      if (value === undefined || !INTEGER.test(value)) return null;
      const have = BigInt(value);
      return have < want ? -1 : have > want ? 1 : 0;
    };
  }
  if (literal.kind === 'number') {
    throw new FilterError(`${column.name} is a ${column.type} partition column: quote the value ('${literal.text}')`, literal.pos);
  }
  const want = literal.text;
  // Plain binary string order: the same whatever the locale.
  return (value) => (value === undefined ? null : value < want ? -1 : value > want ? 1 : 0);
}

export { FilterError };
