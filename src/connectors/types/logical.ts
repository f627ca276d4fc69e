/**
 * The one logical type system every engine maps into and out of (DESIGN.md, "Engines").
 * Text form, as stored in the catalog: `int64`, `decimal(10,2)`, `varchar(20)`, `timestamptz(6)`,
 * `array<int32>`, `map<string,int64>`, `struct<a:int32,b:string>`.
 */
export type ScalarKind =
  | 'boolean' | 'int8' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64'
  | 'string' | 'binary' | 'date' | 'time' | 'timetz' | 'json' | 'uuid' | 'interval';

export type LogicalType =
  | { kind: ScalarKind }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'varchar' | 'char'; length: number }
  | { kind: 'timestamp' | 'timestamptz'; precision: number }
  | { kind: 'array'; element: LogicalType }
  | { kind: 'map'; key: LogicalType; value: LogicalType }
  | { kind: 'struct'; fields: { name: string; type: LogicalType }[] };

export const scalar = (kind: ScalarKind): LogicalType => ({ kind });

/** A calendar date, alone or with a time: the types whose values have an era, a year 0 or an infinity. */
export const isDated = (t: LogicalType) => t.kind === 'date' || t.kind === 'timestamp' || t.kind === 'timestamptz';
/**
 * A decimal type. PostgreSQL also takes a scale beyond the precision (numeric(3,5): |x| < 0.001,
 * five fraction digits) and a negative one (numeric(5,-2): whole hundreds up to 7 digits), which no
 * other engine declares: each is the smallest ordinary decimal that holds all its values exactly,
 * decimal(5,5) and decimal(7,0).
 */
export const decimal = (precision: number, scale: number): LogicalType =>
  scale > precision ? { kind: 'decimal', precision: scale, scale } : scale < 0 ? { kind: 'decimal', precision: precision - scale, scale: 0 } : { kind: 'decimal', precision, scale };
export const timestamp = (precision = 6, tz = false): LogicalType => ({ kind: tz ? 'timestamptz' : 'timestamp', precision });

export function formatLogical(t: LogicalType): string {
  switch (t.kind) {
    case 'decimal':
      return `decimal(${t.precision},${t.scale})`;
    case 'varchar':
    case 'char':
      return `${t.kind}(${t.length})`;
    case 'timestamp':
    case 'timestamptz':
      return `${t.kind}(${t.precision})`;
    case 'array':
      return `array<${formatLogical(t.element)}>`;
    case 'map':
      return `map<${formatLogical(t.key)},${formatLogical(t.value)}>`;
    case 'struct':
      return `struct<${t.fields.map((f) => `${f.name}:${formatLogical(f.type)}`).join(',')}>`;
    default:
      return t.kind;
  }
}

/**
 * One engine's native type names → logical types, kept as data: the first rule whose pattern
 * matches the lower-cased native type wins. A native type no rule knows is carried as text.
 */
export type TypeRule = [pattern: RegExp, toLogical: (m: RegExpExecArray, map: (native: string) => LogicalType) => LogicalType];

export function typeMapper(rules: TypeRule[]): (native: string) => LogicalType {
  const map = (native: string): LogicalType => {
    const text = native.trim().toLowerCase();
    for (const [pattern, toLogical] of rules) {
      const m = pattern.exec(text);
      if (m) return toLogical(m, map);
    }
    return scalar('string');
  };
  return map;
}

/** Splits `a, b(1,2), c<d,e>, "x,y" int` at top-level commas (not inside brackets or double quotes). */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === '(' || c === '<' || c === '[') depth++;
    else if (c === ')' || c === '>' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p !== '');
}

export const int = (m: RegExpExecArray, i: number, fallback: number) => (m[i] === undefined ? fallback : Number(m[i]));
