// The console speaks only the public API; an error carries the API's code and message.
const PREFIX = '/api/v1/mms';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(method, path, body) {
  const res = await fetch(PREFIX + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, json?.code ?? `HTTP${res.status}`, json?.message ?? res.statusText);
  return json.data;
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
