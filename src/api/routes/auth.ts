import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AccessKeyService } from '../../auth/keys.js';
import { Envelope, errorResponses } from '../schemas/common.js';
import { AccessKeyCreatedOut, AccessKeyOut, AccessKeyParams, CreateAccessKeyBody, CreateTokenBody, TokenOut } from '../schemas/auth.js';
import { formatTime } from '../format.js';

const tags = ['Access'];

/** Login (access key → bearer token) and access key management, under /api/v1/auth. */
export const authRoutes =
  (keys: AccessKeyService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/tokens',
      {
        config: { public: true, login: true },
        schema: { operationId: 'CreateToken', tags, description: 'Logs in: a bearer token acting with the access key\'s policy until it expires.', body: CreateTokenBody, response: { 200: Envelope(TokenOut), ...errorResponses } },
      },
      async (req) => {
        const { token, expireTime } = await keys.issueToken(req.body.accessKeyId, req.body.accessKeySecret, req.body.ttlSeconds);
        return { requestId: req.id, data: { token, expireTime: formatTime(expireTime) } };
      },
    );

    app.post(
      '/accessKeys',
      { config: { action: 'openmms:CreateAccessKey' }, schema: { operationId: 'CreateAccessKey', tags, body: CreateAccessKeyBody, response: { 200: Envelope(AccessKeyCreatedOut), ...errorResponses } } },
      async (req) => ({ requestId: req.id, data: await keys.create(req.body.name, req.body.policy) }),
    );

    app.get(
      '/accessKeys',
      { config: { action: 'openmms:ListAccessKeys' }, schema: { operationId: 'ListAccessKeys', tags, response: { 200: Envelope(Type.Array(AccessKeyOut)), ...errorResponses } } },
      async (req) => ({ requestId: req.id, data: (await keys.list()).map((k) => ({ ...k, createTime: formatTime(k.createTime) })) }),
    );

    app.delete(
      '/accessKeys/:accessKeyId',
      { config: { action: 'openmms:DeleteAccessKey' }, schema: { operationId: 'DeleteAccessKey', tags, params: AccessKeyParams, response: { 200: Envelope(Type.String()), ...errorResponses } } },
      async (req) => {
        await keys.delete(req.params.accessKeyId);
        return { requestId: req.id, data: req.params.accessKeyId };
      },
    );
  };
