/**
 * The public API as the page calls it: same origin, the user's key (if any)
 * as a bearer token, errors as ApiError with the API's code and message.
 */

const KEY_STORAGE = 'tally.apiKey';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function storedKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return '';
  }
}

export function storeKey(key) {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

/** `path?params` with arrays repeated and empty values left out. */
export function apiUrl(path, params = {}) {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const v of [value].flat()) if (v !== undefined && v !== null && v !== '') q.append(name, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** GET a JSON answer; throws ApiError for any non-2xx answer. */
export async function getJson(path, params, { signal } = {}) {
  const key = storedKey();
  const res = await fetch(apiUrl(path, params), {
    headers: { accept: 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    signal,
    cache: 'no-store',
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const err = body && body.error ? body.error : { code: `HTTP_${res.status}`, message: res.statusText };
    throw new ApiError(res.status, err.code, err.message);
  }
  return body;
}

/** POST/PUT a JSON body; the answer's JSON (null for 204); throws ApiError for any non-2xx answer. */
export async function sendJson(method, path, body) {
  return (await sendJsonFull(method, path, body)).answer;
}

/** As sendJson, with the response's headers (e.g. `tally-backfill`). */
export async function sendJsonFull(method, path, body) {
  const key = storedKey();
  const res = await fetch(path, {
    method,
    headers: { accept: 'application/json', 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
    cache: 'no-store',
  });
  const answer = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const err = answer && answer.error ? answer.error : { code: `HTTP_${res.status}`, message: res.statusText };
    const reasons = err.details && Array.isArray(err.details.errors) ? err.details.errors.map((e) => `${e.path}: ${e.reason}`).join('; ') : '';
    throw new ApiError(res.status, err.code, reasons || err.message);
  }
  return { answer, headers: res.headers };
}
