// api.js: every call to hikgated's REST API goes through here. The session
// cookie travels by itself; state-changing calls add the CSRF token.

export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super((body && body.error) || `HTTP ${status}`);
    this.status = status;
    this.field = body && body.field;
    this.references = (body && body.references) || [];
    this.retryAfter = retryAfter;
  }
}

let csrf = '';
let onUnauthorized = () => {};

export function setCsrf(token) { csrf = token || ''; }
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export async function api(method, path, body) {
  // X-Requested-With: no Basic challenge, so no browser login dialog.
  const headers = { 'X-Requested-With': 'hikgate-ui' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrf;
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch('/api/v1' + path, init);
  } catch (e) {
    throw new ApiError(0, { error: 'hikgate cannot be reached: check the connection' });
  }
  const text = await resp.text();
  let data = null;
  if (text && (resp.headers.get('Content-Type') || '').startsWith('application/json')) {
    try { data = JSON.parse(text); } catch (e) { data = null; }
  }
  if (!resp.ok) {
    const err = new ApiError(resp.status, data, resp.headers.get('Retry-After'));
    if (resp.status === 401 && path !== '/session') onUnauthorized();
    throw err;
  }
  return data;
}

export const get = (p) => api('GET', p);
export const post = (p, b) => api('POST', p, b === undefined ? {} : b);
export const put = (p, b) => api('PUT', p, b);
export const del = (p) => api('DELETE', p);
