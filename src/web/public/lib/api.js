// The console speaks only the public API; an error carries the API's code and message.
const PREFIX = '/api/v1/mms';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The bearer token of this browser tab's session (the login page gets it). */
const TOKEN = 'openmms.token';
export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN, value);
    else sessionStorage.removeItem(TOKEN);
    dispatchEvent(new Event('openmms-session'));
  },
};

async function send(url, method, body) {
  const headers = body === undefined ? {} : { 'content-type': 'application/json' };
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json().catch(() => null);
  if (res.status === 401 && session.token) session.token = null; // expired: back to the login page
  if (!res.ok) throw new ApiError(res.status, json?.code ?? `HTTP${res.status}`, json?.message ?? res.statusText);
  return json.data;
}

export const api = (method, path, body) => send(PREFIX + path, method, body);

/** Logs in with an access key: the token it answers with authenticates every later call. */
export async function login(accessKeyId, accessKeySecret) {
  const { token } = await send('/api/v1/auth/tokens', 'POST', { accessKeyId, accessKeySecret });
  session.token = token;
}

/** A query string from the non-empty values of an object (arrays repeat the parameter). */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    for (const one of Array.isArray(v) ? v : [v]) q.append(k, String(one));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Every item of a paged list call (pages of 100), up to `max`. */
export async function listAll(path, params = {}, max = 5000) {
  const items = [];
  for (let pageNum = 1; items.length < max; pageNum++) {
    const page = await api('GET', path + query({ ...params, pageNum, pageSize: 100 }));
    items.push(...page.objectList);
    if (items.length >= page.total || page.objectList.length === 0) break;
  }
  return items;
}
