import { createHash, createHmac, randomBytes } from 'node:crypto';
import { stringify } from 'node:querystring';

/**
 * A client that sends what the official SDK (`@alicloud/maxcompute20220104`) sends, written from
 * the reference (§1.1, §1.3) and not from OpenMMS's own signing code: V3 (`ACS3-HMAC-SHA256`, the
 * default) or ROA (`signatureAlgorithm: "v2"`).
 */
export type Scheme = 'v3' | 'roa';
export type Query = Record<string, string | number | boolean | undefined>;

const VERSION = '2022-01-04';

/** RFC 3986: encodeURIComponent, which leaves !'()* alone, plus those. */
const percent = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export interface SdkResponse {
  status: number;
  body: any;
}

export function sdkClient(base: string, credentials: { accessKeyId: string; accessKeySecret: string }, scheme: Scheme) {
  const url = new URL(base);
  return async function call(action: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, { query = {}, body }: { query?: Query; body?: object } = {}): Promise<SdkResponse> {
    const set = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
    const pathname = `/api/v1/mms${path}`;
    const search = Object.keys(set).length ? `?${stringify(set)}` : '';
    const payload = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = {
      host: url.host,
      'x-acs-action': action,
      'x-acs-version': VERSION,
      'x-acs-signature-nonce': randomBytes(32).toString('hex'),
      accept: 'application/json',
      'user-agent': 'AlibabaCloud (contract test) TeaDSL/2',
      ...(body !== undefined && { 'content-type': 'application/json; charset=utf-8' }),
    };
    const keys = Object.keys(set).sort();
    if (scheme === 'v3') {
      headers['x-acs-date'] = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      headers['x-acs-content-sha256'] = sha256(payload);
      const signed = Object.keys(headers).filter((h) => h === 'host' || h === 'content-type' || h.startsWith('x-acs-')).sort();
      const canonical = [
        method,
        pathname.replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~'),
        keys.map((k) => `${percent(k)}=${percent(set[k]!)}`).join('&'),
        signed.map((h) => `${h}:${headers[h]!.trim()}\n`).join(''),
        signed.join(';'),
        headers['x-acs-content-sha256'],
      ].join('\n');
      const signature = createHmac('sha256', credentials.accessKeySecret).update(`ACS3-HMAC-SHA256\n${sha256(canonical)}`).digest('hex');
      headers.authorization = `ACS3-HMAC-SHA256 Credential=${credentials.accessKeyId},SignedHeaders=${signed.join(';')},Signature=${signature}`;
    } else {
      headers.date = new Date().toUTCString();
      headers['x-acs-signature-method'] = 'HMAC-SHA1';
      headers['x-acs-signature-version'] = '1.0';
      const acs = Object.keys(headers).filter((h) => h.startsWith('x-acs-')).sort().map((h) => `${h}:${headers[h]}\n`).join('');
      // The resource with raw, decoded values: status=["INIT"], not status=%5B…
      const resource = pathname + (keys.length ? `?${keys.map((k) => `${k}=${set[k]}`).join('&')}` : '');
      const toSign = `${method}\n${headers.accept}\n\n${headers['content-type'] ?? ''}\n${headers.date}\n${acs}${resource}`;
      headers.authorization = `acs ${credentials.accessKeyId}:${createHmac('sha1', credentials.accessKeySecret).update(toSign, 'utf8').digest('base64')}`;
    }
    const { host: _host, ...sent } = headers; // fetch sends Host itself, the same value
    const res = await fetch(`${url.origin}${pathname}${search}`, { method, headers: sent, ...(body !== undefined && { body: payload }) });
    const text = await res.text();
    // The SDK JSON.parses every 2xx body (§1.4): an empty or non-JSON one is an error.
    return { status: res.status, body: JSON.parse(text) };
  };
}

export type SdkCall = ReturnType<typeof sdkClient>;
