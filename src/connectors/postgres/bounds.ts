/**
 * Reads PostgreSQL partition bounds as `pg_get_expr(relpartbound)` prints them:
 * `FOR VALUES IN ('eu', 'us')`, `FOR VALUES FROM ('2024-01-01', 1) TO (MAXVALUE, MAXVALUE)`,
 * `FOR VALUES WITH (modulus 4, remainder 1)`, `DEFAULT`.
 */
export type Bound =
  | { kind: 'list'; values: (string | null)[] }
  | { kind: 'range'; from: string[]; to: string[] }
  | { kind: 'hash'; modulus: number; remainder: number }
  | { kind: 'default' };

export function parseBound(text: string): Bound {
  if (text === 'DEFAULT') return { kind: 'default' };
  let m = /^FOR VALUES IN \((.*)\)$/s.exec(text);
  if (m) return { kind: 'list', values: literals(m[1]!) };
  m = /^FOR VALUES FROM \((.*)\) TO \((.*)\)$/s.exec(text);
  if (m) return { kind: 'range', from: literals(m[1]!).map(String), to: literals(m[2]!).map(String) };
  m = /^FOR VALUES WITH \(modulus (\d+), remainder (\d+)\)$/.exec(text);
  if (m) return { kind: 'hash', modulus: Number(m[1]), remainder: Number(m[2]) };
  throw new Error(`unrecognised partition bound: ${text}`);
}

/** Splits a list of SQL literals: 'quoted''text', numbers, NULL, MINVALUE/MAXVALUE, with optional ::casts. */
function literals(text: string): (string | null)[] {
  const out: (string | null)[] = [];
  const re = /\s*(?:'((?:[^']|'')*)'|([^,'\s]+))(?:::[\w ]+(?:\[\])?)?\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text))) {
    if (m[1] !== undefined) out.push(m[1].replace(/''/g, "'"));
    else out.push(m[2] === 'NULL' ? null : m[2]!);
  }
  return out;
}
