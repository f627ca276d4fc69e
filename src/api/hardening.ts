import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { invalid } from '../errors.js';

/**
 * What every request is checked for before anything reads it: ids in canonical form (so the
 * policy check and the handler see the same data source), no NUL characters (PostgreSQL refuses
 * them, SQLite cuts strings at them), and JSON nested no deeper than any MMS call needs.
 */

/** Deeper JSON than this is refused before parsing (the deepest MMS body is a few levels). */
const MAX_JSON_DEPTH = 32;

const CANONICAL_INTEGER = /^(0|-?[1-9][0-9]*)$/;

type Props = Record<string, { type?: unknown }> | undefined;
const propsOf = (schema: unknown): Props => (schema as { properties?: Props } | undefined)?.properties;

/** Path and query integers must be written as plain decimals: `01`, `+1`, `1.0`, `1e0`, `0x1`, ` 1` are 400. */
function checkText(part: 'path' | 'query', values: unknown, props: Props): void {
  if (!values || typeof values !== 'object') return;
  for (const [name, raw] of Object.entries(values as Record<string, unknown>)) {
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      if (typeof v !== 'string') continue;
      if (v.includes('\0')) throw invalid(`${part} parameter '${name}' contains a NUL character`);
      if (props?.[name]?.type === 'integer' && !CANONICAL_INTEGER.test(v)) {
        throw invalid(`parameter '${name}' must be integer, in plain decimal digits (got '${v.slice(0, 40)}')`);
      }
    }
  }
}

export function installHardening(app: FastifyInstance): void {
  // onRequest runs before authentication and authorisation (preValidation): they see checked ids.
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const schema = req.routeOptions.schema as { params?: unknown; querystring?: unknown } | undefined;
    checkText('path', req.params, propsOf(schema?.params));
    checkText('query', req.query, propsOf(schema?.querystring));
  });
}

/**
 * Parses a JSON body after one pass over its text that refuses a NUL character (`\u0000`) in any
 * string and nesting deeper than MAX_JSON_DEPTH, both before JSON.parse builds anything.
 */
export function parseJsonBody(text: string): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) {
        if (text.startsWith('u0000', i + 1)) throw invalid('the request body contains a NUL character (\\u0000), which no parameter may hold');
        i++;
      } else if (c === 0x22 /* " */) {
        inString = false;
      }
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b /* { [ */) {
      if (++depth > MAX_JSON_DEPTH) throw invalid(`the request body is nested more than ${MAX_JSON_DEPTH} levels deep`);
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    throw invalid('the request body is not valid JSON');
  }
}

/** URLs Fastify's router refuses (a malformed escape, a path segment over its length limit): the envelope too. */
export function frameworkErrors(err: Error & { code?: string }, req: FastifyRequest, reply: FastifyReply): void {
  const long = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
  void reply.status(long ? 414 : 400).send({
    requestId: req.id,
    code: long ? 'URITooLong' : 'InvalidParameter',
    message: long ? 'a path segment of the URL is longer than the server accepts' : 'the URL is not valid (a malformed %-escape?)',
  });
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers or URL over the size
 * limit, malformed requests) still get the error envelope, not a bare status line.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'RequestHeaderFieldsTooLarge', 'the request line and headers together are larger than the server accepts (16 KB)']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'RequestTimeout', 'the request took too long to arrive']
        : [400, 'BadRequest', 'the request is not valid HTTP'];
  const body = JSON.stringify({ requestId: '', code, message });
  socket.end(`HTTP/1.1 ${status} ${code}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
