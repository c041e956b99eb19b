// Okta Verify push through the official SDK's userFactorApi (okta-api.md §6.2, docs/authenticator-app.md §6): the
// push factor a device enrolled (lib/device.mjs) is listed, verifyFactor sends a push (201 WAITING with the poll link,
// the number when the org's number challenge applies), getFactorTransactionStatus polls it, and the device's signed
// answer ends it in SUCCESS or REJECTED. While not SUCCESS the result carries profile.credentialId, the user's login.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeviceChannelError, enrollDevice } from '../lib/device.mjs';
import { useServer } from '../lib/harness.mjs';
import { PASSWORD, assertAllExchangesWellFormed, collect, expectOktaError, profile, raw } from '../lib/okta.mjs';

let server;
let sdk;
let factors;

useServer({}, (s, k) => {
  server = s;
  sdk = k;
  factors = sdk.client.userFactorApi;
});

async function enrolled(tag) {
  const user = await sdk.client.userApi.createUser({
    body: { profile: profile(tag), credentials: { password: { value: PASSWORD } } }, activate: true,
  });
  const device = await enrollDevice(server, { login: user.profile.login, password: PASSWORD });
  return { user, login: user.profile.login, device, pushId: device.methodId('push') };
}

/** Sends a push through the SDK; returns the response and its transaction id (the poll link's last segment). */
async function sendPush(user, pushId, body) {
  const sent = await factors.verifyFactor({ userId: user.id, factorId: pushId, userAgent: 'compat-suite/1.0', ...(body ? { body } : {}) });
  assert.equal(sdk.last().url, `${server.url}/api/v1/users/${user.id}/factors/${pushId}/verify`);
  assert.equal(sdk.last().status, 201, 'a push answers 201 Created');
  const poll = sent._links?.poll?.href;
  assert.ok(poll, `a poll link (got ${JSON.stringify(sent._links)})`);
  return { sent, transactionId: poll.split('/').pop() };
}

const poll = (user, pushId, transactionId) => factors.getFactorTransactionStatus({ userId: user.id, factorId: pushId, transactionId });

/** The Okta Verify authenticator with `channelBinding.required` set to `required` (ALWAYS, HIGH_RISK_ONLY, NEVER). */
async function setNumberChallenge(required) {
  const authenticators = sdk.client.authenticatorApi;
  const verify = (await collect(await authenticators.listAuthenticators())).find((a) => a.key === 'okta_verify');
  verify.settings.channelBinding.required = required;
  const replaced = await authenticators.replaceAuthenticator({ authenticatorId: verify.id, authenticator: verify });
  assert.equal(sdk.last().method, 'PUT');
  assert.equal(replaced.settings?.channelBinding?.required, required);
}

describe('push factors', { timeout: 90_000 }, () => {
  it('listFactors and getFactor show the push factor the device enrolled', async () => {
    const { user, login, device, pushId } = await enrolled('pushlist');
    const listed = await collect(await factors.listFactors({ userId: user.id }));
    assert.deepEqual(listed.map((f) => f.factorType).sort(), ['push', 'signed_nonce', 'token:software:totp']);
    const push = listed.find((f) => f.factorType === 'push');
    assert.equal(push.id, pushId);
    assert.match(push.id, /^opf[0-9A-Za-z]{17}$/);
    assert.equal(push.provider, 'OKTA');
    assert.equal(push.status, 'ACTIVE');
    assert.equal(push.profile.credentialId, login);
    assert.equal(push.profile.name, device.enrollment.device.profile.displayName);
    assert.equal(push.profile.platform, 'LINUX');
    assert.equal(push._links.verify.href, `${server.url}/api/v1/users/${user.id}/factors/${pushId}/verify`);
    const fetched = await factors.getFactor({ userId: user.id, factorId: pushId });
    assert.equal(fetched.factorType, 'push');
    assert.equal(fetched.profile.credentialId, login);
  });

  it('verifyFactor WAITING with the number, poll WAITING, the device approves, poll SUCCESS', async () => {
    const { user, login, device, pushId } = await enrolled('pushok');
    const { sent, transactionId } = await sendPush(user, pushId);
    assert.equal(sent.factorResult, 'WAITING');
    assert.ok(sent.expiresAt instanceof Date && sent.expiresAt > new Date(), 'expiresAt is a future date');
    assert.equal(sent._links.poll.href, `${server.url}/api/v1/users/${user.id}/factors/${pushId}/transactions/${transactionId}`);
    assert.deepEqual(sent._links.poll.hints?.allow, ['GET']);
    assert.equal(sent._links.cancel?.href, sent._links.poll.href);
    assert.equal(sent.profile?.credentialId, login, 'the WAITING verify result names the credential (the login)');
    const number = sent._embedded?.challenge?.correctAnswer;
    assert.ok(Number.isInteger(number) && number >= 10 && number <= 99,
      `the org's number challenge is ALWAYS by default, so the number to show comes back (got ${JSON.stringify(sent._embedded)})`);

    const waiting = await poll(user, pushId, transactionId);
    assert.equal(sdk.last().url, `${server.url}/api/v1/users/${user.id}/factors/${pushId}/transactions/${transactionId}`);
    assert.equal(sdk.last().status, 200);
    assert.equal(waiting.factorResult, 'WAITING');
    assert.equal(waiting.profile?.credentialId, login, 'the WAITING poll names the credential');
    assert.equal(waiting._links?.poll?.href, sent._links.poll.href);
    // The SDK reads a WAITING poll as the plain WAITING model (its mapping has no key for the number-challenge variant),
    // so the number the poll carries is checked on the wire.
    const rawWaiting = await raw(server, `/api/v1/users/${user.id}/factors/${pushId}/transactions/${transactionId}`);
    assert.equal(rawWaiting.json?._embedded?.challenge?.correctAnswer, number, 'a number-challenge poll carries the number too');

    const push = await device.waitFor(transactionId);
    assert.equal(push.factorId, pushId);
    assert.equal(push.numberChallenge, true);
    assert.equal(push.context.login, login);
    assert.ok(!JSON.stringify(push).includes('correctAnswer'), 'the device is never told the number');
    assert.equal(await device.answer(push, { approve: true, number }), 'SUCCESS');

    const done = await poll(user, pushId, transactionId);
    assert.equal(done.factorResult, 'SUCCESS');
    const rawDone = await raw(server, `/api/v1/users/${user.id}/factors/${pushId}/transactions/${transactionId}`);
    assert.deepEqual(rawDone.json, { factorResult: 'SUCCESS' }, 'SUCCESS is the bare result');
    assertAllExchangesWellFormed(sdk.exchanges);
  });

  it('the device denies: REJECTED with profile.credentialId and the verify and factor links', async () => {
    const { user, login, device, pushId } = await enrolled('pushno');
    const { transactionId } = await sendPush(user, pushId);
    assert.equal(await device.answer(await device.waitFor(transactionId), { approve: false }), 'REJECTED');
    const rejected = await poll(user, pushId, transactionId);
    assert.equal(rejected.factorResult, 'REJECTED');
    assert.equal(rejected.profile?.credentialId, login);
    const factorUrl = `${server.url}/api/v1/users/${user.id}/factors/${pushId}`;
    assert.equal(rejected._links?.verify?.href, `${factorUrl}/verify`);
    // 8.1.0 types the REJECTED result's `_links.factor` as a UserFactor, which has no href: read the link on the wire.
    const onWire = await raw(server, `/api/v1/users/${user.id}/factors/${pushId}/transactions/${transactionId}`);
    assert.equal(onWire.json?._links?.factor?.href, factorUrl);
    assert.deepEqual(onWire.json?._links?.factor?.hints?.allow, ['GET', 'DELETE']);
    assert.equal(onWire.json?._embedded, undefined, 'no number once the push is answered');
  });

  it('the wrong number is refused (403 E0000068) and the push ends REJECTED', async () => {
    const { user, login, device, pushId } = await enrolled('pushwrong');
    const { sent, transactionId } = await sendPush(user, pushId);
    const number = sent._embedded.challenge.correctAnswer;
    const push = await device.waitFor(transactionId);
    const error = await device.answer(push, { approve: true, number: number === 99 ? 98 : number + 1 }).then(() => undefined, (e) => e);
    assert.ok(error instanceof DeviceChannelError && error.status === 403 && error.json?.errorCode === 'E0000068', `a wrong number: ${error}`);
    const rejected = await poll(user, pushId, transactionId);
    assert.equal(rejected.factorResult, 'REJECTED');
    assert.equal(rejected.profile?.credentialId, login);
  });

  it('with the number challenge NEVER, a push has no number unless useNumberMatchingChallenge asks for one', async () => {
    const { user, device, pushId } = await enrolled('pushnever');
    await setNumberChallenge('NEVER');
    try {
      const plain = await sendPush(user, pushId);
      assert.equal(plain.sent._embedded?.challenge, undefined, 'no number to show');
      const push = await device.waitFor(plain.transactionId);
      assert.equal(push.numberChallenge, false);
      assert.equal(await device.answer(push, { approve: true }), 'SUCCESS');
      assert.equal((await poll(user, pushId, plain.transactionId)).factorResult, 'SUCCESS');

      const asked = await sendPush(user, pushId, { useNumberMatchingChallenge: true });
      const number = asked.sent._embedded?.challenge?.correctAnswer;
      assert.ok(Number.isInteger(number), `useNumberMatchingChallenge gives the number (got ${JSON.stringify(asked.sent._embedded)})`);
      const askedPush = await device.waitFor(asked.transactionId);
      assert.equal(askedPush.numberChallenge, true);
      assert.equal(await device.answer(askedPush, { approve: true, number }), 'SUCCESS');
    } finally {
      await setNumberChallenge('ALWAYS');
    }
  });

  it('an unknown transaction is 404 E0000007; verifying an unenrolled factor is 404 E0000007, not a missing passCode', async () => {
    const { user, pushId } = await enrolled('push404');
    await expectOktaError(() => poll(user, pushId, 'v2mNoSuchTransactio0'), { status: 404, errorCode: 'E0000007', what: 'unknown transaction' });
    await factors.unenrollFactor({ userId: user.id, factorId: pushId });
    await expectOktaError(() => factors.verifyFactor({ userId: user.id, factorId: pushId }), { status: 404, errorCode: 'E0000007', what: 'an unenrolled push factor' });
    assertAllExchangesWellFormed(sdk.exchanges);
  });
});
