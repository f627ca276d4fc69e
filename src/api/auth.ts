import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MmsError } from '../errors.js';
import { unauthenticated, type AccessKeyService, type Principal } from '../auth/keys.js';
import { allowedSources, allows } from '../auth/policy.js';
import { bodyDigest, md5Base64, queryOf, roaSignature, roaStringToSign, sameSignature, V3_ALGORITHM, v3Signature, v3StringToSign, type SignedRequest } from '../auth/signature.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who made the call (null only on the calls that need no authentication). */
    principal: Principal | null;
    /** The body as received, for signatures that cover it. */
    rawBody?: string;
  }
  interface FastifyContextConfig {
    /** No credentials needed (the login call). */
    public?: boolean;
    /** The RAM action checked, when not `odps:<operationId>`. */
    action?: string;
    /** The resource checked, when not the path's data source (`datasource/<id>`) or `*`. */
    resource?: string;
    /** A list of data sources: the handler shows those the policy allows (none allowed: 403). */
    listsSources?: boolean;
  }
}

/** Signed requests older or newer than this are refused (clock skew and replay window). */
const MAX_SKEW_MS = 15 * 60 * 1000;

export const forbidden = (principal: Principal, action: string, resource: string) =>
  new MmsError(403, 'Forbidden.RAM', `access key ${principal.accessKeyId} (${principal.name}) is not allowed to ${action} on ${resource}`);

/**
 * Every call under /api/v1 is authenticated (a bearer token, or an Alibaba Cloud signature V3 or
 * ROA) and then authorised by the caller's policy for the call's action and data source.
 */
export function installAuth(app: FastifyInstance, keys: AccessKeyService): void {
  const nonces = new Map<string, number>();
  const seen = (nonce: string, now: number) => {
    for (const [n, t] of nonces) if (t < now - MAX_SKEW_MS) nonces.delete(n);
    if (nonces.has(nonce)) return true;
    nonces.set(nonce, now);
    return false;
  };

  app.decorateRequest('principal', null);
  app.addHook('preValidation', async (req) => {
    const config = req.routeOptions.config;
    // No route (a 404 answers), not the API, the login, or the API's description: nothing to check.
    if (!req.routeOptions.url?.startsWith('/api/v1/') || config.public || req.routeOptions.url === '/api/v1/openapi.json') return;
    req.principal = await authenticate(req, keys, seen);
    const operationId = (req.routeOptions.schema as { operationId?: string } | undefined)?.operationId;
    const action = config.action ?? `odps:${operationId}`;
    const sourceId = (req.params as { sourceId?: number } | undefined)?.sourceId;
    const resource = config.resource ?? (sourceId !== undefined ? `datasource/${sourceId}` : '*');
    if (config.listsSources) {
      const filter = allowedSources(req.principal.policy, action);
      if ('include' in filter && filter.include.length === 0) throw forbidden(req.principal, action, 'datasource/*');
    } else if (!allows(req.principal.policy, action, resource)) {
      throw forbidden(req.principal, action, resource);
    }
  });
}

function signedRequest(req: FastifyRequest): SignedRequest {
  const query = queryOf(new URL(req.raw.url ?? '/', 'http://x'));
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : v]));
  return { method: req.method, path: (req.raw.url ?? '/').split('?')[0]!, query, headers, body: req.rawBody ?? '' };
}

async function authenticate(req: FastifyRequest, keys: AccessKeyService, seen: (nonce: string, now: number) => boolean): Promise<Principal> {
  const header = req.headers.authorization;
  if (!header) throw unauthenticated('MissingAuthorization', 'this call needs credentials: a bearer token, or a request signed with an access key');
  const now = Date.now();
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) {
    const principal = await keys.principalForToken(bearer[1]!);
    if (!principal) throw unauthenticated('InvalidToken', 'the bearer token is unknown or has expired; log in again');
    return principal;
  }
  const signed = signedRequest(req);
  const v3 = new RegExp(`^${V3_ALGORITHM}\\s+Credential=([^,\\s]+),\\s*SignedHeaders=([^,\\s]+),\\s*Signature=([0-9a-f]+)$`).exec(header);
  if (v3) {
    const [, id, signedHeaders, signature] = v3 as unknown as [string, string, string, string];
    const names = signedHeaders.split(';');
    for (const required of ['host', 'x-acs-date', 'x-acs-content-sha256']) {
      if (!names.includes(required)) throw unauthenticated('IncompleteSignature', `the signature must cover the ${required} header`);
    }
    checkTime(Date.parse(signed.headers['x-acs-date'] ?? ''), now);
    if (signed.headers['x-acs-content-sha256'] !== bodyDigest(signed.body)) throw unauthenticated('ContentSHA256NotMatched', 'x-acs-content-sha256 is not the SHA-256 of the body');
    const key = await known(keys, id);
    if (!sameSignature(v3Signature(key.secret, v3StringToSign(signed, signedHeaders)), signature)) throw badSignature();
    const nonce = signed.headers['x-acs-signature-nonce'];
    if (!nonce) throw unauthenticated('MissingSignatureNonce', 'a V3-signed request carries x-acs-signature-nonce');
    replayCheck(nonce, now, seen);
    return key.principal;
  }
  const roa = /^acs\s+([^:\s]+):(\S+)$/.exec(header);
  if (roa) {
    checkTime(Date.parse(signed.headers.date ?? ''), now);
    const md5 = signed.headers['content-md5'];
    if (md5 !== undefined && md5 !== md5Base64(signed.body)) throw unauthenticated('InvalidContentMD5', 'Content-MD5 is not the MD5 of the body');
    const key = await known(keys, roa[1]!);
    if (!sameSignature(roaSignature(key.secret, roaStringToSign(signed)), roa[2]!)) throw badSignature();
    replayCheck(signed.headers['x-acs-signature-nonce'], now, seen);
    return key.principal;
  }
  throw unauthenticated('InvalidAuthorization', `unrecognised Authorization scheme (use "Bearer <token>", "${V3_ALGORITHM} Credential=…" or "acs <AccessKeyId>:<signature>")`);
}

const badSignature = () => unauthenticated('SignatureDoesNotMatch', 'the request signature does not match the one computed with the access key secret');

async function known(keys: AccessKeyService, id: string) {
  const key = await keys.lookup(id);
  if (!key) throw unauthenticated('InvalidAccessKeyId.NotFound', `access key ${id} does not exist`);
  return key;
}

function checkTime(sent: number, now: number): void {
  if (Number.isNaN(sent)) throw unauthenticated('MissingDate', 'a signed request carries its time (x-acs-date for V3, Date for ROA)');
  if (Math.abs(now - sent) > MAX_SKEW_MS) throw unauthenticated('RequestExpired', 'the request time is more than 15 minutes from the server time');
}

function replayCheck(nonce: string | undefined, now: number, seen: (nonce: string, now: number) => boolean): void {
  if (nonce && seen(nonce, now)) throw unauthenticated('SignatureNonceUsed', 'this x-acs-signature-nonce was used already: the request looks replayed');
}
