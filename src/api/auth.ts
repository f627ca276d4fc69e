import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash, randomBytes } from 'node:crypto';
import { MmsError } from '../errors.js';
import { isUniqueViolation, type Store } from '../store/store.js';
import { Throttle } from '../auth/throttle.js';
import { unauthenticated, type AccessKeyService, type Principal } from '../auth/keys.js';
import { allowedSources, allows, allowsExplicitly } from '../auth/policy.js';
import { SHARE_DESTINATION, type ShareRights } from '../datasources/sharing.js';
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
    /** The login call: rate-limited per client address. */
    login?: boolean;
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

/** What the caller's policy lets it share: data sources it names openmms:ShareDestination on (see datasources/sharing.ts). */
export const sharesWith = (req: FastifyRequest): ShareRights => ({
  keyId: req.principal?.accessKeyId ?? null,
  allows: (other) => req.principal !== null && allowsExplicitly(req.principal.policy, SHARE_DESTINATION, `datasource/${other}`),
});

export interface AuthLimits {
  /** Failed authentications one client address may make per window before it gets 429. */
  failures: number;
  /** Logins (token requests) one client address may make per window. */
  logins: number;
  windowMs: number;
}

export const DEFAULT_AUTH_LIMITS: AuthLimits = { failures: 20, logins: 30, windowMs: 60_000 };

const throttled = (ms: number) => new MmsError(429, 'Throttling.User', `too many attempts from this address; try again in ${Math.ceil(ms / 1000)} s`);

/**
 * Every call under /api/v1 is authenticated (a bearer token, or an Alibaba Cloud signature V3 or
 * ROA) and then authorised by the caller's policy for the call's action and data source. Nonces
 * are remembered in the store, so a request replayed to another API process is refused too.
 */
export function installAuth(app: FastifyInstance, keys: AccessKeyService, store: Store, limits: AuthLimits = DEFAULT_AUTH_LIMITS): void {
  const failures = new Throttle(limits.failures, limits.windowMs);
  const logins = new Throttle(limits.logins, limits.windowMs);
  const nonces = new NonceLedger(store);

  app.decorateRequest('principal', null);
  app.addHook('preValidation', async (req) => {
    const config = req.routeOptions.config;
    if (config.login) {
      const wait = Math.max(failures.waitFor(req.ip), logins.waitFor(req.ip));
      if (wait) throw throttled(wait);
      logins.hit(req.ip);
    }
    // No route (a 404 answers), not the API, the login, or the API's description: nothing to check.
    if (!req.routeOptions.url?.startsWith('/api/v1/') || config.public || req.routeOptions.url === '/api/v1/openapi.json') return;
    const wait = failures.waitFor(req.ip);
    if (wait) throw throttled(wait);
    try {
      req.principal = await authenticate(req, keys, nonces);
    } catch (err) {
      if (err instanceof MmsError && err.status === 401) failures.hit(req.ip);
      throw err;
    }
    const operationId = (req.routeOptions.schema as { operationId?: string } | undefined)?.operationId;
    const action = config.action ?? `odps:${operationId}`;
    // The id is canonical by now (api/hardening.ts): the resource names the data source the handler serves.
    const sourceId = (req.params as { sourceId?: string } | undefined)?.sourceId;
    const resource = config.resource ?? (sourceId !== undefined ? `datasource/${Number(sourceId)}` : '*');
    if (config.listsSources) {
      const filter = allowedSources(req.principal.policy, action);
      if ('include' in filter && filter.include.length === 0) throw forbidden(req.principal, action, 'datasource/*');
    } else if (!allows(req.principal.policy, action, resource)) {
      throw forbidden(req.principal, action, resource);
    }
  });
  // A failed login counts like a failed signature.
  app.addHook('onResponse', async (req, reply) => {
    if (req.routeOptions.config.login && reply.statusCode === 401) failures.hit(req.ip);
  });
}

/** Signature nonces seen within the time window, in the store (shared by every API process). */
class NonceLedger {
  private lastSweep = 0;

  constructor(private readonly store: Store) {}

  /** Records a nonce; false when it was seen already (a replay). */
  async fresh(accessKeyId: string, nonce: string, now: number): Promise<boolean> {
    if (now - this.lastSweep > 60_000) {
      this.lastSweep = now;
      await this.store.db.deleteFrom('signature_nonces').where('expire_time', '<', now).execute();
    }
    try {
      // Hashed: fixed length whatever the client sent, and distinct nonces never collide by truncation.
      const key = createHash('sha256').update(`${accessKeyId}\n${nonce}`).digest('hex');
      await this.store.db.insertInto('signature_nonces').values({ nonce: key, expire_time: now + 2 * MAX_SKEW_MS }).execute();
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }
}

function signedRequest(req: FastifyRequest): SignedRequest {
  const query = queryOf(new URL(req.raw.url ?? '/', 'http://x'));
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : v]));
  return { method: req.method, path: (req.raw.url ?? '/').split('?')[0]!, query, headers, body: req.rawBody ?? '' };
}

const NONCE = 'x-acs-signature-nonce';

async function authenticate(req: FastifyRequest, keys: AccessKeyService, nonces: NonceLedger): Promise<Principal> {
  const header = req.headers.authorization;
  if (!header) throw unauthenticated('MissingAuthorization', 'this call needs credentials: a bearer token, or a request signed with an access key');
  const now = Date.now();
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) {
    const principal = await keys.principalForToken(bearer[1]!, now, req.storeVersion);
    if (!principal) throw unauthenticated('InvalidToken', 'the bearer token is unknown or has expired; log in again');
    return principal;
  }
  const signed = signedRequest(req);
  const nonce = signed.headers[NONCE];
  const v3 = new RegExp(`^${V3_ALGORITHM}\\s+Credential=([^,\\s]+),\\s*SignedHeaders=([^,\\s]+),\\s*Signature=([0-9a-f]+)$`).exec(header);
  if (v3) {
    const [, id, signedHeaders, signature] = v3 as unknown as [string, string, string, string];
    const names = signedHeaders.split(';');
    for (const required of ['host', 'x-acs-date', 'x-acs-content-sha256', NONCE]) {
      if (!names.includes(required)) throw unauthenticated('IncompleteSignature', `the signature must cover the ${required} header`);
    }
    if (!nonce) throw unauthenticated('MissingSignatureNonce', `a signed request carries ${NONCE}`);
    checkTime(Date.parse(signed.headers['x-acs-date'] ?? ''), now);
    if (signed.headers['x-acs-content-sha256'] !== bodyDigest(signed.body)) throw unauthenticated('ContentSHA256NotMatched', 'x-acs-content-sha256 is not the SHA-256 of the body');
    const secret = await secretOf(keys, id);
    if (!sameSignature(v3Signature(secret.value, v3StringToSign(signed, signedHeaders)), signature) || !secret.principal) throw badSignature();
    await replayCheck(nonces, secret.principal.accessKeyId, nonce, now);
    return secret.principal;
  }
  const roa = /^acs\s+([^:\s]+):(\S+)$/.exec(header);
  if (roa) {
    // ROA signs every x-acs-* header, so the nonce is covered; a body only through a Content-MD5,
    // which the official SDK never sends (reference §1.1): checked when present, not required.
    if (!nonce) throw unauthenticated('MissingSignatureNonce', `a signed request carries ${NONCE}`);
    checkTime(Date.parse(signed.headers.date ?? ''), now);
    const md5 = signed.headers['content-md5'];
    if (md5 !== undefined && md5 !== md5Base64(signed.body)) throw unauthenticated('InvalidContentMD5', 'Content-MD5 is not the MD5 of the body');
    const secret = await secretOf(keys, roa[1]!);
    if (!sameSignature(roaSignature(secret.value, roaStringToSign(signed)), roa[2]!) || !secret.principal) throw badSignature();
    await replayCheck(nonces, secret.principal.accessKeyId, nonce, now);
    return secret.principal;
  }
  throw unauthenticated('InvalidAuthorization', `unrecognised Authorization scheme (use "Bearer <token>", "${V3_ALGORITHM} Credential=…" or "acs <AccessKeyId>:<signature>")`);
}

/** One answer for an unknown key id and a wrong signature: the caller learns nothing about which ids exist. */
const badSignature = () => unauthenticated('SignatureDoesNotMatch', 'the access key id is unknown, or the request signature does not match the one computed with its secret');

/** The key's secret, or for an unknown id a random one (so both cost the same and fail alike). */
async function secretOf(keys: AccessKeyService, id: string): Promise<{ value: string; principal: Principal | null }> {
  const key = await keys.lookup(id);
  return key ? { value: key.secret, principal: key.principal } : { value: randomBytes(24).toString('base64url'), principal: null };
}

function checkTime(sent: number, now: number): void {
  if (Number.isNaN(sent)) throw unauthenticated('MissingDate', 'a signed request carries its time (x-acs-date for V3, Date for ROA)');
  if (Math.abs(now - sent) > MAX_SKEW_MS) throw unauthenticated('RequestExpired', 'the request time is more than 15 minutes from the server time');
}

async function replayCheck(nonces: NonceLedger, accessKeyId: string, nonce: string, now: number): Promise<void> {
  if (!(await nonces.fresh(accessKeyId, nonce, now))) throw unauthenticated('SignatureNonceUsed', `this ${NONCE} was used already: the request looks replayed`);
}
