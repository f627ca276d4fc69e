import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { MmsError } from '../errors.js';
import { describeValidation } from './validation.js';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'InvalidParameter',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
};

/** The one error envelope of every call: `{requestId, code, message}`. */
export function errorHandler(err: FastifyError | MmsError, req: FastifyRequest, reply: FastifyReply) {
  const send = (status: number, code: string, message: string) => reply.status(status).send({ requestId: req.id, code, message });
  if (err instanceof MmsError) return send(err.status, err.code, err.message);
  if ('validation' in err && err.validation) {
    return send(400, 'InvalidParameter', describeValidation(err.validationContext ?? 'request', err.validation as never));
  }
  const status = 'statusCode' in err ? err.statusCode : undefined;
  if (status !== undefined && status >= 400 && status < 500) {
    return send(status, CODE_BY_STATUS[status] ?? 'BadRequest', err.message);
  }
  req.log.error({ err }, 'request failed');
  return send(500, 'InternalError', `internal error; the server log has the details under requestId ${req.id}`);
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send({ requestId: req.id, code: 'NotFound', message: `no such call: ${req.method} ${req.url.split('?')[0]}` });
}
