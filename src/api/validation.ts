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

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? jsonAjv : textAjv).compile(schema);

/** One readable sentence per validation problem, naming the parameter. */
export function describeValidation(context: string, errors: ErrorObject[]): string {
  return errors
    .map((e) => {
      const where = [context === 'body' ? 'body' : null, e.instancePath.replace(/^\//, '').replace(/\//g, '.')].filter(Boolean).join('.');
      if (e.keyword === 'additionalProperties') {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        return `unknown parameter '${where ? `${where}.` : ''}${extra}'`;
      }
      if (e.keyword === 'required') return `missing parameter '${where ? `${where}.` : ''}${(e.params as { missingProperty: string }).missingProperty}'`;
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
      return `parameter '${where || context}' ${e.message}${allowed ? `: ${allowed.join(', ')}` : ''}`;
    })
    .join('; ');
}
