import { Type } from '@sinclair/typebox';
import { Name } from './common.js';

const Statement = Type.Object(
  {
    effect: Type.Union([Type.Literal('Allow'), Type.Literal('Deny')]),
    actions: Type.Array(Type.String({ pattern: '^[A-Za-z0-9:*]+$', maxLength: 128, description: 'e.g. odps:ListMmsJobs, odps:*Mms*, *' }), { minItems: 1, maxItems: 200 }),
    resources: Type.Array(
      Type.String({
        pattern: '^(\\*|datasource/(\\*|[1-9][0-9]{0,9})|acs:odps:[A-Za-z0-9*-]*:[A-Za-z0-9*-]*:(\\*|mmsdatasource/(\\*|[1-9][0-9]{0,9})))$',
        description: "*, datasource/*, datasource/<id>, or MMS's ARN form acs:odps:*:*:mmsdatasource/<id> (region and account may be anything)",
      }),
      { minItems: 1, maxItems: 1000 },
    ),
  },
  { additionalProperties: false },
);
export const PolicyBody = Type.Object({ statements: Type.Array(Statement, { maxItems: 100 }) }, { additionalProperties: false });

export const CreateTokenBody = Type.Object(
  {
    accessKeyId: Type.String({ minLength: 1, maxLength: 64 }),
    accessKeySecret: Type.String({ minLength: 1, maxLength: 256 }),
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 7 * 86400, description: 'Default 12 hours.' })),
  },
  { additionalProperties: false },
);
export const TokenOut = Type.Object({ token: Type.String(), expireTime: Type.String({ description: 'yyyy-MM-dd HH:mm:ss, UTC.' }) });

export const CreateAccessKeyBody = Type.Object({ name: Name, policy: PolicyBody }, { additionalProperties: false });
export const AccessKeyCreatedOut = Type.Object({ accessKeyId: Type.String(), accessKeySecret: Type.String({ description: 'Shown once; store it now.' }) });
export const AccessKeyOut = Type.Object({ accessKeyId: Type.String(), name: Type.String(), policy: PolicyBody, createTime: Type.String() });
export const AccessKeyParams = Type.Object({ accessKeyId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
