import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/**
 * Parses JSON the store holds and checks it against its schema (compiled once): typed values out,
 * and a row that is not what the code expects (a hand edit, a migration gone wrong) fails here,
 * named, instead of as an undefined deep in a copy.
 */
export function decodeStored<T extends TSchema>(schema: T, text: string, what: string): Static<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`the stored ${what} is not JSON`);
  }
  let check = compiled.get(schema);
  if (!check) compiled.set(schema, (check = TypeCompiler.Compile(schema)));
  if (!check.Check(value)) {
    const first = check.Errors(value).First();
    throw new Error(`the stored ${what} is not valid${first ? `: ${first.path || '/'} ${first.message}` : ''}`);
  }
  return value as Static<T>;
}
