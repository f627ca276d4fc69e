import { FilterError, tokenize, type Token } from './lexer.js';

export type Literal = { kind: 'string' | 'number'; text: string; pos: number };
export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Expr =
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr }
  | { kind: 'compare'; column: string; columnPos: number; op: CompareOp; value: Literal }
  | { kind: 'in'; column: string; columnPos: number; negated: boolean; values: Literal[] };

/** Nesting deeper than this is refused rather than risking the stack on hostile input. */
const MAX_DEPTH = 200;

/**
 * Recursive descent with SQL precedence (NOT binds tighter than AND, AND tighter than OR):
 *   or := and (OR and)* ; and := not (AND not)* ; not := NOT not | primary
 *   primary := '(' or ')' | name op value | name [NOT] IN '(' value (',' value)* ')'
 */
export function parseFilter(text: string): Expr {
  const tokens = tokenize(text);
  let i = 0;
  let depth = 0;
  const peek = () => tokens[i]!;
  const next = () => tokens[i++]!;
  const describe = (t: Token) => (t.kind === 'end' ? 'the end of the filter' : `'${t.text}'`);
  const fail = (t: Token, expected: string): never => {
    throw new FilterError(`expected ${expected} but found ${describe(t)}`, t.pos);
  };
  const isKeyword = (t: Token, k: string) => t.kind === 'keyword' && t.text === k;
  const isPunct = (t: Token, p: string) => t.kind === 'punct' && t.text === p;

  const literal = (): Literal => {
    const t = next();
    if (t.kind !== 'string' && t.kind !== 'number') return fail(t, 'a quoted string or a number');
    return { kind: t.kind, text: t.text, pos: t.pos };
  };

  const primary = (): Expr => {
    const t = peek();
    if (isPunct(t, '(')) {
      next();
      if (++depth > MAX_DEPTH) throw new FilterError(`parentheses nested deeper than ${MAX_DEPTH}`, t.pos);
      const inner = or();
      depth--;
      if (!isPunct(peek(), ')')) fail(peek(), "')'");
      next();
      return inner;
    }
    if (t.kind !== 'ident') return fail(t, 'a partition column name');
    next();
    let negated = false;
    if (isKeyword(peek(), 'NOT')) {
      negated = true;
      next();
      if (!isKeyword(peek(), 'IN')) fail(peek(), 'IN after NOT');
    }
    if (isKeyword(peek(), 'IN')) {
      next();
      if (!isPunct(peek(), '(')) fail(peek(), "'(' after IN");
      next();
      const values = [literal()];
      while (isPunct(peek(), ',')) {
        next();
        values.push(literal());
      }
      if (!isPunct(peek(), ')')) fail(peek(), "',' or ')'");
      next();
      return { kind: 'in', column: t.text, columnPos: t.pos, negated, values };
    }
    const op = next();
    if (op.kind !== 'op') return fail(op, 'a comparison (=, <>, !=, <, <=, >, >=) or IN');
    return { kind: 'compare', column: t.text, columnPos: t.pos, op: op.text, value: literal() };
  };

  const not = (): Expr => {
    const t = peek();
    if (!isKeyword(t, 'NOT')) return primary();
    next();
    if (++depth > MAX_DEPTH) throw new FilterError(`NOT nested deeper than ${MAX_DEPTH}`, t.pos);
    const expr = not();
    depth--;
    return { kind: 'not', expr };
  };

  const and = (): Expr => {
    let left = not();
    while (isKeyword(peek(), 'AND')) {
      next();
      left = { kind: 'and', left, right: not() };
    }
    return left;
  };

  const or = (): Expr => {
    let left = and();
    while (isKeyword(peek(), 'OR')) {
      next();
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };

  if (peek().kind === 'end') throw new FilterError('the filter is empty', 1);
  const expr = or();
  if (isPunct(peek(), ')')) throw new FilterError("')' without a matching '('", peek().pos);
  if (peek().kind !== 'end') fail(peek(), 'AND, OR or the end of the filter');
  return expr;
}
