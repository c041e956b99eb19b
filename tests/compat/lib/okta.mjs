// The official Okta SDK pointed at a running Latchkey server, plus a recorder of
// every HTTP exchange the SDK makes, a raw fetch helper and shared assertions.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import okta from '@okta/okta-sdk-nodejs';

export { okta };

/**
 * An SDK client against `server`, with caching disabled (cacheMiddleware: null is what
 * Http's constructor in 8.1.0 checks for) and every request/response recorded.
 * @returns {{client: okta.Client, executor: okta.DefaultRequestExecutor, exchanges: Array<Exchange>,
 *   last: () => Exchange}}
 */
export function connect(server, { token = server.token, maxRetries } = {}) {
  const executor = new okta.DefaultRequestExecutor(maxRetries === undefined ? {} : { maxRetries });
  const exchanges = [];
  executor.on('request', (request) => {
    exchanges.push({
      method: String(request.method).toUpperCase(),
      url: request.url,
      requestHeaders: { ...request.headers },
      status: undefined,
      headers: undefined,
    });
  });
  executor.on('response', (response) => {
    // Requests are made one at a time by these tests, so the open exchange is the last one.
    const open = [...exchanges].reverse().find((e) => e.status === undefined);
    const headers = {};
    response.headers.forEach((value, name) => { headers[name] = value; });
    if (open) {
      open.status = response.status;
      open.headers = headers;
      open.responseUrl = response.url;
    }
  });
  const client = new okta.Client({
    orgUrl: server.url,
    token,
    cacheMiddleware: null,
    requestExecutor: executor,
  });
  return { client, executor, exchanges, last: () => exchanges[exchanges.length - 1] };
}

/**
 * Plain HTTP against the server, for what the SDK hides (exact bodies, headers, malformed input).
 * @returns {Promise<{status: number, headers: Headers, text: string, json: any, url: string}>}
 */
export async function raw(server, path, { method = 'GET', body, headers = {}, token = server.token } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (token !== null && h.Authorization === undefined) h.Authorization = `SSWS ${token}`;
  if (h.Authorization === null) delete h.Authorization;
  let payload = body;
  if (body !== undefined && typeof body !== 'string') {
    payload = JSON.stringify(body);
  }
  if (payload !== undefined && h['Content-Type'] === undefined) h['Content-Type'] = 'application/json';
  const url = path.startsWith('http') ? path : server.url + path;
  const res = await fetch(url, { method, headers: h, body: payload, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json, url };
}

/** Collects a Collection into an array; fails on the null items an empty page with `next` produces. */
export async function collect(collection, { max = 10_000 } = {}) {
  const items = [];
  for await (const item of collection) {
    assert.notEqual(item, null,
      'the collection yielded null: the server returned an empty page that still had a rel="next" link ' +
      `(after ${items.length} items); only System Log polling may do that`);
    items.push(item);
    if (items.length > max) assert.fail(`collection did not end after ${max} items`);
  }
  return items;
}

/** Awaits `action` and asserts it failed with an OktaApiError of that status and errorCode. */
export async function expectOktaError(action, { status, errorCode, what = '' }) {
  let error;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (e) {
    error = e;
  }
  const label = what ? `${what}: ` : '';
  assert.ok(error, `${label}expected HTTP ${status} ${errorCode}, but the call succeeded`);
  assert.equal(error.name, 'OktaApiError',
    `${label}expected an OktaApiError (HTTP ${status} ${errorCode}), got ${error.name}: ${error.message}`);
  assert.equal(error.status, status, `${label}HTTP status (error: ${error.message})`);
  assert.equal(error.errorCode, errorCode, `${label}errorCode (error: ${error.message})`);
  assert.equal(typeof error.errorSummary, 'string', `${label}errorSummary is a string`);
  assert.ok(error.errorSummary.length > 0, `${label}errorSummary is not empty`);
  assert.ok(Array.isArray(error.errorCauses), `${label}errorCauses is an array (got ${JSON.stringify(error.errorCauses)})`);
  assert.equal(error.errorLink, errorCode, `${label}errorLink equals errorCode`);
  assert.equal(typeof error.errorId, 'string', `${label}errorId is a string`);
  return error;
}

/** Asserts the body of a raw error response. */
export function assertErrorBody(res, { status, errorCode, what = '' }) {
  const label = what ? `${what}: ` : '';
  assert.equal(res.status, status, `${label}HTTP status (body: ${res.text.slice(0, 500)})`);
  assertJsonContentType(res.headers.get('content-type'), label);
  assert.ok(res.json && typeof res.json === 'object', `${label}body is a JSON object: ${res.text.slice(0, 500)}`);
  assert.equal(res.json.errorCode, errorCode, `${label}errorCode (body: ${res.text.slice(0, 500)})`);
  assert.equal(typeof res.json.errorSummary, 'string', `${label}errorSummary`);
  assert.equal(res.json.errorLink, errorCode, `${label}errorLink`);
  assert.equal(typeof res.json.errorId, 'string', `${label}errorId`);
  assert.ok(Array.isArray(res.json.errorCauses), `${label}errorCauses is an array`);
}

export function assertJsonContentType(value, label = '') {
  assert.ok(value && /^application\/json\b/i.test(value), `${label}Content-Type is application/json (got ${value})`);
}

const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** ISO-8601 UTC with milliseconds, e.g. 2013-07-02T21:36:25.344Z. */
export function assertIsoMillis(value, label) {
  assert.match(String(value), ISO_MILLIS, `${label} is ISO-8601 UTC with milliseconds (got ${value})`);
}

/** 20 characters, base62, with the given 3-character prefix. */
export function assertId(id, prefix, label = 'id') {
  assert.match(String(id), /^[0-9A-Za-z]{20}$/, `${label} is 20 base62 characters (got ${id})`);
  assert.ok(String(id).startsWith(prefix), `${label} starts with ${prefix} (got ${id})`);
}

/** Headers every /api/v1 response must carry (okta-api.md §1.1, §1.5, §12.4). */
export function assertStandardHeaders(headers, label = '') {
  const get = (name) => (typeof headers.get === 'function' ? headers.get(name) : headers[name.toLowerCase()]);
  assert.ok(get('x-okta-request-id'), `${label}X-Okta-Request-Id header present`);
  assert.ok(get('date'), `${label}Date header present`);
  assert.ok(!Number.isNaN(Date.parse(get('date'))), `${label}Date header parses (got ${get('date')})`);
  for (const name of ['x-rate-limit-limit', 'x-rate-limit-remaining', 'x-rate-limit-reset']) {
    assert.match(String(get(name)), /^\d+$/, `${label}${name} header is an integer (got ${get(name)})`);
  }
}

/**
 * Checks the recorded SDK exchanges: every response with a body is JSON, and all carry
 * X-Okta-Request-Id, Date and the rate-limit headers. Reports every offender at once.
 */
export function assertAllExchangesWellFormed(exchanges) {
  const problems = [];
  for (const e of exchanges) {
    if (e.status === undefined) continue;
    const where = `${e.method} ${e.url} -> ${e.status}`;
    try {
      if (e.status !== 204) assertJsonContentType(e.headers['content-type'], `${where}: `);
      assertStandardHeaders(e.headers, `${where}: `);
    } catch (err) {
      problems.push(err.message.split('\n')[0]);
    }
  }
  assert.ok(exchanges.length > 0, 'some exchanges were recorded');
  assert.deepEqual(problems, [], `responses missing required headers:\n${problems.join('\n')}`);
}

/** Parses a Link header into {rel: url}. Accepts one comma-joined header. */
export function parseLinks(value) {
  const links = {};
  if (!value) return links;
  for (const part of value.split(/,(?=\s*<)/)) {
    const m = part.match(/<([^>]*)>\s*;\s*rel="?([^";]+)"?/);
    if (m) links[m[2]] = m[1];
  }
  return links;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function uniq(n = 4) {
  return randomBytes(n).toString('hex');
}

/** A password that satisfies the default policy of a new org (okta-api.md §0.4). */
export const PASSWORD = 'Vq8mZt2Lpw';

/** A profile for a new user; `extra` overrides or adds attributes. */
export function profile(tag, extra = {}) {
  const id = uniq();
  const login = `${tag}.${id}@example.com`.toLowerCase();
  return { firstName: 'Test', lastName: `User${id}`, email: login, login, ...extra };
}
