// Conventions every /api/v1 endpoint shares: errors, authentication, headers, ids, dates,
// links (okta-api.md §0.1, §0.3, §0.9, §1, §12), the org discovery document and API tokens.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useServer, once } from '../lib/harness.mjs';
import {
  PASSWORD, assertAllExchangesWellFormed, assertErrorBody, assertId, assertIsoMillis, assertJsonContentType,
  assertStandardHeaders, collect, connect, expectOktaError, okta, profile, raw, uniq,
} from '../lib/okta.mjs';

let server;
let sdk;
let users;

useServer({}, (s, k) => {
  server = s;
  sdk = k;
  users = sdk.client.userApi;
});

describe('error bodies through the SDK', { timeout: 30_000 }, () => {
  it('unknown id gives 404 E0000007 as an OktaApiError with every field', async () => {
    const id = '00u' + 'a'.repeat(17);
    const e = await expectOktaError(users.getUser({ userId: id }), { status: 404, errorCode: 'E0000007' });
    assert.ok(e instanceof okta.OktaApiError, 'instance of okta.OktaApiError');
    assert.equal(e.errorSummary, `Not found: Resource not found: ${id} (User)`);
    assert.deepEqual(e.errorCauses, []);
    assert.ok(e.headers, 'the error carries the response headers');
  });

  it('missing profile.email gives 400 E0000001 with a cause naming email', async () => {
    const p = profile('noemail');
    delete p.email;
    const e = await expectOktaError(users.createUser({ body: { profile: p }, activate: false }), { status: 400, errorCode: 'E0000001' });
    assert.match(e.errorSummary, /^Api validation failed: /);
    assert.ok(e.errorCauses.length >= 1, 'at least one cause');
    assert.ok(e.errorCauses.some((c) => /^email: /.test(c.errorSummary)), `a cause names email: ${JSON.stringify(e.errorCauses)}`);
  });

  it('missing firstName gives the documented cause', async () => {
    const p = profile('nofirst');
    delete p.firstName;
    const e = await expectOktaError(users.createUser({ body: { profile: p }, activate: false }), { status: 400, errorCode: 'E0000001' });
    assert.ok(e.errorCauses.some((c) => c.errorSummary === 'firstName: The field cannot be left blank'),
      `causes: ${JSON.stringify(e.errorCauses)}`);
  });

  it('a login that is not an email gives the documented cause', async () => {
    const p = profile('badlogin', { login: `not-an-email-${uniq()}` });
    const e = await expectOktaError(users.createUser({ body: { profile: p }, activate: false }), { status: 400, errorCode: 'E0000001' });
    assert.ok(e.errorCauses.some((c) => c.errorSummary === 'login: Username must be in the form of an email address'),
      `causes: ${JSON.stringify(e.errorCauses)}`);
  });

  it('a weak password gives a password cause', async () => {
    const e = await expectOktaError(users.createUser({ body: { profile: profile('weak'), credentials: { password: { value: 'short' } } } }),
      { status: 400, errorCode: 'E0000001' });
    assert.ok(e.errorCauses.some((c) => c.errorSummary.startsWith('password: Password requirements were not met.')),
      `causes: ${JSON.stringify(e.errorCauses)}`);
  });

  it('duplicate login gives 400 E0000001 with the documented cause', async () => {
    const p = profile('dup');
    await users.createUser({ body: { profile: p }, activate: false });
    const e = await expectOktaError(users.createUser({ body: { profile: { ...p, firstName: 'Other' } }, activate: false }),
      { status: 400, errorCode: 'E0000001' });
    assert.equal(e.errorSummary, 'Api validation failed: login');
    assert.ok(e.errorCauses.some((c) => c.errorSummary === 'login: An object with this field already exists in the current organization'),
      `causes: ${JSON.stringify(e.errorCauses)}`);
  });
});

describe('raw errors', { timeout: 30_000 }, () => {
  it('malformed JSON gives 400 E0000003', async () => {
    const res = await raw(server, '/api/v1/users?activate=false', { method: 'POST', body: '{"profile": {"login": ' });
    assertErrorBody(res, { status: 400, errorCode: 'E0000003' });
    assert.equal(res.json.errorSummary, 'The request body was not well-formed.');
    assertStandardHeaders(res.headers, 'malformed JSON: ');
  });

  it('no Authorization header gives 403 E0000005', async () => {
    const res = await raw(server, '/api/v1/users', { token: null });
    assertErrorBody(res, { status: 403, errorCode: 'E0000005' });
    assert.equal(res.json.errorSummary, 'Invalid session');
    assert.ok(res.headers.get('x-okta-request-id'), 'X-Okta-Request-Id');
    assert.ok(res.headers.get('date'), 'Date');
  });

  it('a bad token gives 401 E0000011', async () => {
    const res = await raw(server, '/api/v1/users', { token: `00${uniq(20)}` });
    assertErrorBody(res, { status: 401, errorCode: 'E0000011' });
    assert.equal(res.json.errorSummary, 'Invalid token provided');
  });

  it('a bad token through the SDK gives an OktaApiError 401 E0000011', async () => {
    const bad = connect(server, { token: `00${uniq(20)}` });
    await expectOktaError(collect(await bad.client.userApi.listUsers()), { status: 401, errorCode: 'E0000011' });
  });

  it('a Bearer token that is not a valid access token gives 401 E0000011', async () => {
    const res = await raw(server, '/api/v1/users', { headers: { Authorization: 'Bearer not.a.jwt' } });
    assertErrorBody(res, { status: 401, errorCode: 'E0000011' });
  });

  it('a path outside /api/v1 that the server does not serve is 404 E0000007 with the JSON error body', async () => {
    assertErrorBody(await raw(server, '/device-access/api/v1/desktop-mfa/no-such-setting'),
      { status: 404, errorCode: 'E0000007', what: 'an unknown device access path' });
    assertErrorBody(await raw(server, '/no/such/page', { token: null }), { status: 404, errorCode: 'E0000007', what: 'any unknown path' });
  });

  it('errorId differs between requests and X-Okta-Request-Id is set', async () => {
    const a = await raw(server, `/api/v1/users/00u${'b'.repeat(17)}`);
    const b = await raw(server, `/api/v1/users/00u${'b'.repeat(17)}`);
    assertErrorBody(a, { status: 404, errorCode: 'E0000007' });
    assert.notEqual(a.json.errorId, b.json.errorId, 'errorId is per request');
    assert.notEqual(a.headers.get('x-okta-request-id'), b.headers.get('x-okta-request-id'), 'X-Okta-Request-Id is per request');
  });
});

describe('headers, ids, dates, links', { timeout: 30_000 }, () => {
  it('a normal response carries Content-Type, X-Okta-Request-Id, Date, rate-limit headers', async () => {
    const res = await raw(server, '/api/v1/users?limit=1');
    assert.equal(res.status, 200, res.text);
    assertJsonContentType(res.headers.get('content-type'));
    assertStandardHeaders(res.headers);
    const reset = Number(res.headers.get('x-rate-limit-reset'));
    const now = Date.now() / 1000;
    assert.ok(reset >= now - 2 && reset <= now + 3600, `X-Rate-Limit-Reset is epoch seconds near now (got ${reset})`);
    assert.ok(Number(res.headers.get('x-rate-limit-remaining')) <= Number(res.headers.get('x-rate-limit-limit')), 'remaining <= limit');
  });

  it('ids are 20 base62 chars with the right prefixes; self links equal the URL the SDK calls', async () => {
    const user = await users.createUser({ body: { profile: profile('ids'), credentials: { password: { value: PASSWORD } } } });
    assertId(user.id, '00u', 'user id');
    const gotUser = await users.getUser({ userId: user.id });
    assert.equal(gotUser._links.self.href, sdk.last().url);
    assert.equal(sdk.last().url, `${server.url}/api/v1/users/${user.id}`);

    const group = await sdk.client.groupApi.createGroup({ group: { profile: { name: `Ids ${uniq()}` } } });
    assertId(group.id, '00g', 'group id');
    const gotGroup = await sdk.client.groupApi.getGroup({ groupId: group.id });
    assert.equal(gotGroup._links.self.href, sdk.last().url);

    const app = await sdk.client.applicationApi.createApplication({
      application: { name: 'bookmark', label: `Ids ${uniq()}`, signOnMode: 'BOOKMARK', settings: { app: { url: 'https://example.com/', requestIntegration: false } } },
    });
    assertId(app.id, '0oa', 'app id');
    const gotApp = await sdk.client.applicationApi.getApplication({ appId: app.id });
    assert.equal(gotApp._links.self.href, sdk.last().url);

    const tokens = await collect(await sdk.client.apiTokenApi.listApiTokens());
    for (const t of tokens) assertId(t.id, '00T', 'api token id');
  });

  it('dates are ISO-8601 UTC with milliseconds', async () => {
    const created = await raw(server, '/api/v1/users', {
      method: 'POST', body: { profile: profile('dates'), credentials: { password: { value: PASSWORD } } },
    });
    assert.equal(created.status, 200, created.text);
    for (const field of ['created', 'activated', 'statusChanged', 'lastUpdated', 'passwordChanged']) {
      assertIsoMillis(created.json[field], field);
    }
  });

  it('accepts dates without milliseconds in queries', async () => {
    const since = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const until = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const res = await raw(server, `/api/v1/logs?since=${since}&until=${until}`);
    assert.equal(res.status, 200, res.text);
  });

  it('GET /api/v1/users/me is the caller', async () => {
    const me = await users.getUser({ userId: 'me' });
    assertId(me.id, '00u', 'me id');
    assert.equal(me.status, 'ACTIVE');
  });
});

describe('/.well-known/okta-organization', { timeout: 10_000 }, () => {
  it('answers id, pipeline idx and the organization link', async () => {
    const res = await raw(server, '/.well-known/okta-organization', { token: null });
    assert.equal(res.status, 200, res.text);
    assertJsonContentType(res.headers.get('content-type'));
    assertId(res.json.id, '00o', 'org id');
    assert.equal(res.json.pipeline, 'idx');
    assert.equal(res.json._links?.organization?.href, server.url, '_links.organization.href is the org URL');
  });
});

describe('API tokens', { timeout: 30_000 }, () => {
  const caller = once(() => users.getUser({ userId: 'me' }));

  it('list contains the calling token', async () => {
    const me = await caller();
    const tokens = await collect(await sdk.client.apiTokenApi.listApiTokens());
    assert.equal(sdk.last().url, `${server.url}/api/v1/api-tokens`);
    assert.ok(tokens.length >= 1, 'at least the calling token');
    const mine = tokens.find((t) => t.userId === me.id);
    assert.ok(mine, `a token of the caller ${me.id}: ${JSON.stringify(tokens)}`);
    assertId(mine.id, '00T', 'token id');
    assert.equal(mine.clientName, 'Okta API');
    assert.equal(mine.tokenWindow, 'P30D');
    assert.equal(typeof mine.name, 'string');
    assert.ok(mine.created instanceof Date, 'created');
    assert.ok(mine.expiresAt instanceof Date, 'expiresAt');
  });

  it('raw token list: shape, links, never the secret', async () => {
    const me = await caller();
    const res = await raw(server, '/api/v1/api-tokens');
    assert.equal(res.status, 200, res.text);
    assert.ok(!res.text.includes(server.token), 'the token value is never returned');
    const t = res.json.find((x) => x.userId === me.id);
    assert.ok(t, 'caller token');
    assertIsoMillis(t.created, 'created');
    assertIsoMillis(t.lastUpdated, 'lastUpdated');
    assertIsoMillis(t.expiresAt, 'expiresAt');
    assert.ok(t.network?.connection, 'network.connection');
    assert.equal(t._links?.self?.href, `${server.url}/api/v1/api-tokens/${t.id}`, '_links.self');
    assert.equal(t._links?.user?.href, `${server.url}/api/v1/users/${me.id}`, '_links.user');
  });

  it('get by id', async () => {
    const [first] = await collect(await sdk.client.apiTokenApi.listApiTokens());
    const got = await sdk.client.apiTokenApi.getApiToken({ apiTokenId: first.id });
    assert.equal(sdk.last().url, `${server.url}/api/v1/api-tokens/${first.id}`);
    assert.equal(got.id, first.id);
    assert.equal(got.userId, first.userId);
  });

  it('unknown token id gives 404 E0000007', async () => {
    await expectOktaError(sdk.client.apiTokenApi.getApiToken({ apiTokenId: '00T' + 'c'.repeat(17) }), { status: 404, errorCode: 'E0000007' });
  });
});

describe('wire conventions of this file', () => {
  it('every SDK response carried Content-Type, X-Okta-Request-Id, Date and rate-limit headers', () => {
    assertAllExchangesWellFormed(sdk.exchanges);
  });
});

// Last, because it ends the only token of this server.
describe('revoking the current token', { timeout: 30_000 }, () => {
  it('DELETE /api/v1/api-tokens/current answers 204; the token stops working (401 E0000011)', async () => {
    const other = connect(server);
    await other.client.apiTokenApi.revokeCurrentApiToken();
    assert.equal(other.last().url, `${server.url}/api/v1/api-tokens/current`);
    assert.equal(other.last().method, 'DELETE');
    assert.equal(other.last().status, 204);
    const res = await raw(server, '/api/v1/users');
    assertErrorBody(res, { status: 401, errorCode: 'E0000011' });
  });
});
