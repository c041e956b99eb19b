// Org authenticators and TOTP factors through the official SDK's authenticatorApi and userFactorApi (issue 11 items
// 1-3): the new org's authenticators and their methods, activation and deactivation, and a TOTP factor enrolled,
// activated and verified with codes from Debian's oathtool, single use of a code and the documented errors.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { useServer } from '../lib/harness.mjs';
import {
  PASSWORD, assertAllExchangesWellFormed, assertId, collect, expectOktaError, profile, raw,
} from '../lib/okta.mjs';

let server;
let sdk;
let authenticators;
let factors;

useServer({}, (s, k) => {
  server = s;
  sdk = k;
  authenticators = sdk.client.authenticatorApi;
  factors = sdk.client.userFactorApi;
});

/** The code of a base32 secret at a Unix time, from oathtool (an implementation that is not ours). */
const totp = (secret, atSeconds) => execFileSync('oathtool', ['--totp', '--base32', secret, '--now', `@${atSeconds}`], { encoding: 'utf8' }).trim();
const nowSeconds = () => Math.floor(Date.now() / 1000);

const newUser = (tag) => sdk.client.userApi.createUser({
  body: { profile: profile(tag), credentials: { password: { value: PASSWORD } } }, activate: true,
});

describe('authenticators', { timeout: 60_000 }, () => {
  it('listAuthenticators, getAuthenticator, listAuthenticatorMethods, getAuthenticatorMethod', async () => {
    const all = await collect(await authenticators.listAuthenticators());
    assert.equal(sdk.last().url, `${server.url}/api/v1/authenticators`);
    const byKey = Object.fromEntries(all.map((a) => [a.key, a]));
    for (const key of ['okta_password', 'okta_verify', 'webauthn', 'google_otp']) {
      assert.equal(byKey[key]?.status, 'ACTIVE', `${key} is active`);
    }
    for (const key of ['okta_email', 'phone_number']) {
      assert.equal(byKey[key]?.status, 'INACTIVE', `${key} is present but inactive`);
    }

    const verify = byKey.okta_verify;
    assertId(verify.id, 'aut', 'authenticator id');
    assert.equal(verify.type, 'app');
    assert.ok(verify.created instanceof Date, 'created is a date');
    const fetched = await authenticators.getAuthenticator({ authenticatorId: verify.id });
    assert.equal(fetched.key, 'okta_verify');
    assert.equal(fetched.settings?.channelBinding?.style, 'NUMBER_CHALLENGE');

    const methods = await collect(await authenticators.listAuthenticatorMethods({ authenticatorId: verify.id }));
    assert.deepEqual(methods.map((m) => m.type), ['push', 'totp', 'signed_nonce']);
    const method = await authenticators.getAuthenticatorMethod({ authenticatorId: verify.id, methodType: 'totp' });
    assert.equal(method.status, 'ACTIVE');
    assert.equal(method.settings?.timeIntervalInSeconds, 30);
    assertAllExchangesWellFormed(sdk.exchanges);
  });

  it('deactivateAuthenticator and activateAuthenticator; the password cannot be deactivated (403 E0000148)', async () => {
    const all = await collect(await authenticators.listAuthenticators());
    const google = all.find((a) => a.key === 'google_otp');
    const off = await authenticators.deactivateAuthenticator({ authenticatorId: google.id });
    assert.equal(sdk.last().url, `${server.url}/api/v1/authenticators/${google.id}/lifecycle/deactivate`);
    assert.equal(off.status, 'INACTIVE');
    const on = await authenticators.activateAuthenticator({ authenticatorId: google.id });
    assert.equal(on.status, 'ACTIVE');

    const password = all.find((a) => a.key === 'okta_password');
    await expectOktaError(() => authenticators.deactivateAuthenticator({ authenticatorId: password.id }),
      { status: 403, errorCode: 'E0000148', what: 'deactivating the password' });
    await expectOktaError(() => authenticators.getAuthenticator({ authenticatorId: 'autNoSuchAuthentic00' }),
      { status: 404, errorCode: 'E0000007', what: 'unknown authenticator' });
  });
});

describe('TOTP factors', { timeout: 60_000 }, () => {
  it('enrollFactor, activateFactor, verifyFactor, listFactors, getFactor, listSupportedFactors, unenrollFactor', async () => {
    const user = await newUser('totp');
    const supported = await collect(await factors.listSupportedFactors({ userId: user.id }));
    assert.ok(supported.some((f) => f.factorType === 'token:software:totp' && f.provider === 'OKTA' && f.status === 'NOT_SETUP'), 'TOTP is offered');

    const enrolled = await factors.enrollFactor({ userId: user.id, body: { factorType: 'token:software:totp', provider: 'OKTA' } });
    assert.equal(sdk.last().url, `${server.url}/api/v1/users/${user.id}/factors`);
    assertId(enrolled.id, 'ost', 'factor id');
    assert.equal(enrolled.status, 'PENDING_ACTIVATION');
    assert.equal(enrolled.factorType, 'token:software:totp');
    const secret = enrolled._embedded?.activation?.sharedSecret;
    assert.match(secret, /^[A-Z2-7]{32}$/, 'the shared secret, base32');

    await expectOktaError(() => factors.activateFactor({ userId: user.id, factorId: enrolled.id, body: { passCode: '12345' } }),
      { status: 403, errorCode: 'E0000068', what: 'a five-digit code' });
    const now = nowSeconds();
    const active = await factors.activateFactor({ userId: user.id, factorId: enrolled.id, body: { passCode: totp(secret, now) } });
    assert.equal(sdk.last().url, `${server.url}/api/v1/users/${user.id}/factors/${enrolled.id}/lifecycle/activate`);
    assert.equal(active.status, 'ACTIVE');

    // The next step's code (one step of drift is allowed): accepted once, then a replay.
    const next = totp(secret, now + 30);
    const verified = await factors.verifyFactor({ userId: user.id, factorId: enrolled.id, body: { passCode: next } });
    assert.equal(verified.factorResult, 'SUCCESS');
    await expectOktaError(() => factors.verifyFactor({ userId: user.id, factorId: enrolled.id, body: { passCode: next } }),
      { status: 403, errorCode: 'E0000082', what: 'the same code again' });

    const listed = await collect(await factors.listFactors({ userId: user.id }));
    assert.deepEqual(listed.map((f) => f.id), [enrolled.id]);
    assert.ok(!(await raw(server, `/api/v1/users/${user.id}/factors`)).text.includes(secret), 'the secret is never shown again');
    const fetched = await factors.getFactor({ userId: user.id, factorId: enrolled.id });
    assert.equal(fetched.status, 'ACTIVE');
    assert.equal(fetched._embedded?.activation?.sharedSecret, undefined, 'no secret on a read');

    await factors.unenrollFactor({ userId: user.id, factorId: enrolled.id });
    assert.equal(sdk.last().status, 204);
    await expectOktaError(() => factors.getFactor({ userId: user.id, factorId: enrolled.id }),
      { status: 404, errorCode: 'E0000007', what: 'an unenrolled factor' });
    assertAllExchangesWellFormed(sdk.exchanges);
  });

  it('an unknown factor type is 400 E0000001 and an unknown user 404 E0000007', async () => {
    const user = await newUser('badtype');
    await expectOktaError(() => factors.enrollFactor({ userId: user.id, body: { factorType: 'token:software:totp', provider: 'RSA' } }),
      { status: 400, errorCode: 'E0000001', what: 'a provider TOTP does not have' });
    await expectOktaError(() => factors.listFactors({ userId: '00uNoSuchUser0000000' }).then(collect),
      { status: 404, errorCode: 'E0000007', what: 'unknown user' });
  });
});
