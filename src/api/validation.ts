import Ajv, { type ErrorObject } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Query strings and paths arrive as text, so they are coerced ("2" → 2); JSON bodies are not,
 * so `"pageSize": "10"` in a body is a type error, as it should be. Unknown fields are errors
 * everywhere: a misspelt filter that is silently ignored returns wrong results.
 */
const options = { allErrors: false, useDefaults: true, removeAdditional: false, strict: false } as const;
const textAjv = new Ajv.default({ ...options, coerceTypes: 'array' });
const jsonAjv = new Ajv.default({ ...options, coerceTypes: false });

/** `yyyy-MM-dd[ HH:mm[:ss]]` naming a real moment: no month 13, no February 30, no 25:61. */
export function isRealTime(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!m) return false;
  const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1).map((v) => (v === undefined ? undefined : Number(v))) as number[];
  const t = new Date(Date.UTC(y!, mo! - 1, d!, h, mi, s));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo! - 1 && t.getUTCDate() === d && t.getUTCHours() === h && t.getUTCMinutes() === mi && t.getUTCSeconds() === s;
}
for (const ajv of [textAjv, jsonAjv]) ajv.addFormat('mms-time', { type: 'string', validate: isRealTime });

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? jsonAjv : textAjv).compile(schema);

/**
 * Where in the request a problem is, as the caller wrote it: `body.tables[1]`, `body.others['a.b']`;
 * a query parameter by its name alone (its values arrive as a list whatever their spelling).
 */
function location(context: string, pointer: string): string {
  const segments = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (context !== 'body') return segments.filter((s) => !/^\d+$/.test(s)).join('.');
  return segments.reduce((at, s) => (/^\d+$/.test(s) ? `${at}[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? `${at}.${s}` : `${at}[${JSON.stringify(s).replace(/^"|"$/g, "'")}]`), 'body');
}

/** One readable sentence per validation problem, naming the parameter. */
export function describeValidation(context: string, errors: ErrorObject[]): string {
  return errors
    .map((e) => {
      const where = location(context, e.instancePath);
      if (e.keyword === 'additionalProperties') {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        return `unknown parameter '${where ? `${where}.` : ''}${extra}'`;
      }
      if (e.keyword === 'required') return `missing parameter '${where ? `${where}.` : ''}${(e.params as { missingProperty: string }).missingProperty}'`;
      if (e.keyword === 'format' && (e.params as { format: string }).format === 'mms-time') {
        return `parameter '${where || context}' must be a real date and time: yyyy-MM-dd, yyyy-MM-dd HH:mm or yyyy-MM-dd HH:mm:ss`;
      }
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
      return `parameter '${where || context}' ${e.message}${allowed ? `: ${allowed.join(', ')}` : ''}`;
    })
    .join('; ');
}
