import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Alibaba Cloud request signatures, so clients of the MMS API (its SDKs sign every call) can point
 * at OpenMMS: V3 (`ACS3-HMAC-SHA256`, what current SDKs send) and the older ROA form
 * (`acs <AccessKeyId>:<signature>`, HMAC-SHA1). Pure: the server verifies with the same functions
 * the `mms` command signs with.
 */

export interface SignedRequest {
  method: string;
  /** Path without the query string, as sent (percent-encoded). */
  path: string;
  /** Query parameters, decoded; a repeated parameter has several values. */
  query: Record<string, string | string[]>;
  /** Header names lowercase. */
  headers: Record<string, string | undefined>;
  body: string;
}

export const V3_ALGORITHM = 'ACS3-HMAC-SHA256';

/** A URL's query parameters, decoded; a repeated parameter keeps all its values. */
export function queryOf(url: URL): SignedRequest['query'] {
  const query: SignedRequest['query'] = {};
  for (const [k, v] of url.searchParams) {
    const had = query[k];
    query[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [had]), v];
  }
  return query;
}

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');

/** RFC 3986 percent-encoding, as the V3 signature wants it. */
const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const pairs = (query: SignedRequest['query']) =>
  Object.entries(query).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => [k, one] as const));

function canonicalQuery(query: SignedRequest['query']): string {
  return pairs(query)
    .map(([k, v]) => [encode(k), encode(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** The V3 string to sign, over the headers named in `signedHeaders` (lowercase, `;`-joined). */
export function v3StringToSign(req: SignedRequest, signedHeaders: string): string {
  const names = signedHeaders.split(';');
  const canonicalHeaders = names.map((n) => `${n}:${(req.headers[n] ?? '').trim()}\n`).join('');
  const canonicalRequest = [req.method.toUpperCase(), req.path || '/', canonicalQuery(req.query), canonicalHeaders, signedHeaders, sha256(req.body)].join('\n');
  return `${V3_ALGORITHM}\n${sha256(canonicalRequest)}`;
}

export const v3Signature = (secret: string, stringToSign: string) => createHmac('sha256', secret).update(stringToSign, 'utf8').digest('hex');

function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // not valid percent-encoding: signed as sent, so it simply will not match
  }
}

/** The ROA (V1) string to sign: verb, Accept, Content-MD5, Content-Type, Date, x-acs-* headers, resource. */
export function roaStringToSign(req: SignedRequest): string {
  const h = req.headers;
  const acs = Object.keys(h)
    .filter((n) => n.startsWith('x-acs-'))
    .sort()
    .map((n) => `${n}:${(h[n] ?? '').trim()}\n`)
    .join('');
  const params = pairs(req.query)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`));
  const resource = decodedPath(req.path) + (params.length ? `?${params.join('&')}` : '');
  return [req.method.toUpperCase(), h.accept ?? '', h['content-md5'] ?? '', h['content-type'] ?? '', h.date ?? ''].join('\n') + '\n' + acs + resource;
}

export const roaSignature = (secret: string, stringToSign: string) => createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');

/** Constant-time comparison of two signatures. */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Headers that sign a request the V3 way (what the `mms` command and the tests send). */
export function signV3(req: Omit<SignedRequest, 'headers'> & { headers?: Record<string, string> }, host: string, accessKeyId: string, secret: string, now = new Date()): Record<string, string> {
  const headers: Record<string, string> = {
    ...Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    host,
    'x-acs-date': now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': createHash('sha256').update(`${Math.random()}${now.getTime()}`).digest('hex').slice(0, 32),
    'x-acs-content-sha256': sha256(req.body),
  };
  const signed = Object.keys(headers)
    .filter((n) => n === 'host' || n === 'content-type' || n.startsWith('x-acs-'))
    .sort()
    .join(';');
  const signature = v3Signature(secret, v3StringToSign({ ...req, headers }, signed));
  return { ...headers, authorization: `${V3_ALGORITHM} Credential=${accessKeyId},SignedHeaders=${signed},Signature=${signature}` };
}

export const bodyDigest = sha256;
export const md5Base64 = (body: string) => createHash('md5').update(body, 'utf8').digest('base64');
