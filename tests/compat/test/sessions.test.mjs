// Sign-in and sessions through the official SDK's sessionApi (okta-api.md §2, §10.4; issue 10 items 1, 3 and 5).
// The SDK has no authn or IDX API: those are driven with plain HTTP, and what they give is used through the SDK.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useServer } from '../lib/harness.mjs';
import { PASSWORD, assertAllExchangesWellFormed, assertId, expectOktaError, profile, raw } from '../lib/okta.mjs';

const ION = 'application/ion+json; okta-version=1.0.0';

let server;
let sdk;

useServer({}, (s, k) => {
  server = s;
  sdk = k;
});

async function activeUser(tag) {
  return sdk.client.userApi.createUser({ body: { profile: profile(tag), credentials: { password: { value: PASSWORD } } }, activate: true });
}

async function sessionToken(login) {
  const res = await raw(server, '/api/v1/authn', { method: 'POST', body: { username: login, password: PASSWORD }, token: null });
  assert.equal(res.status, 200, `authn: ${res.text}`);
  assert.equal(res.json.status, 'SUCCESS');
  return res.json.sessionToken;
}

/** identify -> password over IDX; returns the `sid=...` cookie pair the server set. */
async function idxSignIn(login) {
  const idx = (path, body) => raw(server, path, { method: 'POST', body, token: null, headers: { 'Content-Type': ION, Accept: ION } });
  const start = await idx('/idp/idx/introspect', {});
  assert.equal(start.status, 200, start.text);
  assert.match(start.headers.get('content-type'), /^application\/ion\+json/);
  const stateHandle = start.json.stateHandle;
  assert.equal((await idx('/idp/idx/identify', { identifier: login, stateHandle })).status, 200);
  const done = await idx('/idp/idx/challenge/answer', { credentials: { passcode: PASSWORD }, stateHandle });
  assert.equal(done.status, 200, done.text);
  assert.equal(done.json.success?.name, 'success-redirect');
  const cookie = done.headers.getSetCookie().find((c) => c.startsWith('sid='));
  assert.ok(cookie, 'the answer sets the sid cookie');
  assert.match(cookie.toLowerCase(), /httponly/);
  assert.match(cookie.toLowerCase(), /samesite=lax/);
  return cookie.split(';')[0];
}

describe('sessionApi with a session token from authn', { timeout: 60_000 }, () => {
  it('createSession, getSession, refreshSession and revokeSession', async () => {
    const user = await activeUser('sess');
    const sessions = sdk.client.sessionApi;
    const session = await sessions.createSession({ createSessionRequest: { sessionToken: await sessionToken(user.profile.login) } });
    assert.equal(sdk.last().method, 'POST');
    assert.equal(sdk.last().status, 200);
    assertId(session.id, '102', 'session id');
    assert.equal(session.userId, user.id);
    assert.equal(session.login, user.profile.login);
    assert.equal(session.status, 'ACTIVE');
    assert.deepEqual(session.amr, ['pwd']);
    assert.ok(session.expiresAt instanceof Date && session.expiresAt > new Date(), 'expiresAt is a future date');
    assert.ok(session.createdAt instanceof Date, 'createdAt is a date');

    const fetched = await sessions.getSession({ sessionId: session.id });
    assert.equal(fetched.id, session.id);
    const refreshed = await sessions.refreshSession({ sessionId: session.id });
    assert.equal(refreshed.id, session.id);
    assert.ok(refreshed.expiresAt >= fetched.expiresAt);
    await sessions.revokeSession({ sessionId: session.id });
    assert.equal(sdk.last().status, 204);
    await expectOktaError(() => sessions.getSession({ sessionId: session.id }), { status: 404, errorCode: 'E0000007', what: 'revoked session' });
    assertAllExchangesWellFormed(sdk.exchanges);
  });

  it('a session token works once', async () => {
    const user = await activeUser('once');
    const token = await sessionToken(user.profile.login);
    await sdk.client.sessionApi.createSession({ createSessionRequest: { sessionToken: token } });
    await expectOktaError(() => sdk.client.sessionApi.createSession({ createSessionRequest: { sessionToken: token } }),
      { status: 401, errorCode: 'E0000004', what: 'second redemption' });
  });
});

describe('sessionApi with the sid cookie from an IDX sign-in', { timeout: 60_000 }, () => {
  it('getCurrentSession, refreshCurrentSession and closeCurrentSession', async () => {
    const user = await activeUser('idx');
    const cookie = await idxSignIn(user.profile.login);
    const sessions = sdk.client.sessionApi;
    const current = await sessions.getCurrentSession({ cookie });
    assert.equal(current.userId, user.id);
    assert.equal(current.status, 'ACTIVE');
    const refreshed = await sessions.refreshCurrentSession({ cookie });
    assert.equal(refreshed.id, current.id);
    await sessions.closeCurrentSession({ cookie });
    await expectOktaError(() => sessions.getCurrentSession({ cookie }), { status: 404, errorCode: 'E0000007', what: 'closed session' });
  });

  it('userApi.revokeUserSessions ends every session of the user', async () => {
    const user = await activeUser('revoke');
    const first = await idxSignIn(user.profile.login);
    const second = await idxSignIn(user.profile.login);
    await sdk.client.userApi.revokeUserSessions({ userId: user.id });
    assert.equal(sdk.last().status, 204);
    for (const cookie of [first, second]) {
      await expectOktaError(() => sdk.client.sessionApi.getCurrentSession({ cookie }), { status: 404, errorCode: 'E0000007', what: 'revoked' });
    }
    const log = await raw(server, `/api/v1/logs?filter=${encodeURIComponent(`eventType eq "user.session.clear" and target.id eq "${user.id}"`)}`);
    assert.equal(log.json.length, 1, 'one user.session.clear event');
  });
});
