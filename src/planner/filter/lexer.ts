/** Tokens of the partition filter language (DESIGN.md, "Partition filter language"). */
export type Token =
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'string'; text: string; pos: number }
  | { kind: 'number'; text: string; pos: number }
  | { kind: 'op'; text: '=' | '<>' | '<' | '<=' | '>' | '>='; pos: number }
  | { kind: 'keyword'; text: 'AND' | 'OR' | 'NOT' | 'IN'; pos: number }
  | { kind: 'punct'; text: '(' | ')' | ','; pos: number }
  | { kind: 'end'; text: ''; pos: number };

/** A problem in a filter, at a 1-based character position. */
export class FilterError extends Error {
  override name = 'FilterError';
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(`${reason} at position ${position}`);
  }
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN']);
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"' };
const IDENT_START = /[\p{L}_]/u;
const IDENT_PART = /[\p{L}\p{N}_]/u;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const pos = i + 1;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      // Quotes: a doubled quote or a backslash escape stands for the character itself.
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new FilterError(`unterminated string starting`, pos);
        const d = text[i]!;
        if (d === c && text[i + 1] === c) {
          value += c;
          i += 2;
        } else if (d === c) {
          i++;
          break;
        } else if (d === '\\' && i + 1 < text.length) {
          const e = text[i + 1]!;
          value += ESCAPES[e] ?? e;
          i += 2;
        } else {
          value += d;
          i++;
        }
      }
      tokens.push({ kind: 'string', text: value, pos });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(text.slice(i))!;
      if (IDENT_START.test(text[i + m[0].length] ?? '')) throw new FilterError(`'${text.slice(i).match(/^\S+/)![0]}' is neither a number nor a name`, pos);
      tokens.push({ kind: 'number', text: m[0], pos });
      i += m[0].length;
    } else if (c === '`') {
      const end = text.indexOf('`', i + 1);
      if (end < 0) throw new FilterError('unterminated `quoted name` starting', pos);
      tokens.push({ kind: 'ident', text: text.slice(i + 1, end), pos });
      i = end + 1;
    } else if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < text.length && IDENT_PART.test(text[j]!)) j++;
      const word = text.slice(i, j);
      const upper = word.toUpperCase();
      tokens.push(KEYWORDS.has(upper) ? { kind: 'keyword', text: upper as 'AND', pos } : { kind: 'ident', text: word, pos });
      i = j;
    } else {
      const two = text.slice(i, i + 2);
      if (two === '<=' || two === '>=' || two === '<>' || two === '!=' || two === '==') {
        tokens.push({ kind: 'op', text: two === '!=' ? '<>' : two === '==' ? '=' : two, pos });
        i += 2;
      } else if (c === '<' || c === '>' || c === '=') {
        tokens.push({ kind: 'op', text: c, pos });
        i++;
      } else if (c === '(' || c === ')' || c === ',') {
        tokens.push({ kind: 'punct', text: c, pos });
        i++;
      } else {
        throw new FilterError(`unexpected character '${c}'`, pos);
      }
    }
  }
  tokens.push({ kind: 'end', text: '', pos: text.length + 1 });
  return tokens;
}
