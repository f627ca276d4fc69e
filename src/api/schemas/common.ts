import { Type, type TSchema } from '@sinclair/typebox';

export const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
export const Name = Type.String({ minLength: 1, maxLength: 128, pattern: '\\S' });
export const ObjectName = Type.String({ minLength: 1, maxLength: 512 });

export const SourceParams = Type.Object({ sourceId: Id }, { additionalProperties: false });
export const JobParams = Type.Object({ sourceId: Id, jobId: Id }, { additionalProperties: false });

export const MAX_PAGE_SIZE = 100;
export const PageQuery = {
  pageNum: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Page number, from 1.' })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, description: `Items per page, 1 to ${MAX_PAGE_SIZE}.` })),
};

/** Every successful answer: `{requestId, data}`. */
export const Envelope = <T extends TSchema>(data: T) => Type.Object({ requestId: Type.String(), data });

/** The paged answer of the List calls. */
export const Paged = <T extends TSchema>(item: T) =>
  Envelope(Type.Object({ total: Type.Integer(), objectList: Type.Array(item), pageNum: Type.Integer(), pageSize: Type.Integer() }));

/** Every failed answer, whatever the call. */
export const ErrorBody = Type.Object(
  { requestId: Type.String(), code: Type.String(), message: Type.String() },
  { $id: 'ErrorBody', description: 'The error envelope of every call.' },
);

export const errorResponses = {
  400: Type.Ref('ErrorBody'),
  401: Type.Ref('ErrorBody'),
  403: Type.Ref('ErrorBody'),
  404: Type.Ref('ErrorBody'),
  409: Type.Ref('ErrorBody'),
};

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** A string enum as plain JSON Schema `enum` (one clear validation error, unlike anyOf). */
export const StringEnum = <const T extends readonly string[]>(values: T, options: { description?: string } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
