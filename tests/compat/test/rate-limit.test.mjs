// Rate limiting and the SDK's transparent retry on 429 (okta-api.md §1.5, §11.1).
// This file's server has a tiny `user` bucket: 3 requests per 2-second window.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { once, useServer } from '../lib/harness.mjs';
import {
  PASSWORD, assertAllExchangesWellFormed, assertErrorBody, assertStandardHeaders, profile, raw, sleep,
} from '../lib/okta.mjs';

const LIMIT = 3;
const WINDOW_SECONDS = 2;

let server;
let sdk;
let user;

useServer({
  env: {
    Latchkey__RateLimits__Buckets__user__Limit: String(LIMIT),
    Latchkey__RateLimits__Buckets__user__WindowSeconds: String(WINDOW_SECONDS),
  },
}, (s, k) => {
  server = s;
  sdk = k;
});

// The users collection is another bucket, so creating the user costs nothing from `user`.
const fixture = once(async () => {
  user = await sdk.client.userApi.createUser({
    body: { profile: profile('limited'), credentials: { password: { value: PASSWORD } } }, activate: true,
  });
});

/** Waits until the window announced by `headers` has certainly reset. */
async function waitForReset(headers) {
  const reset = Number(headers.get ? headers.get('x-rate-limit-reset') : headers['x-rate-limit-reset']);
  const wait = Number.isFinite(reset) ? Math.min(reset * 1000 - Date.now() + 1_100, (WINDOW_SECONDS + 2) * 1000) : (WINDOW_SECONDS + 1) * 1000;
  if (wait > 0) await sleep(wait);
}

describe('rate limits', { timeout: 60_000 }, () => {
  it('normal responses carry the bucket headers', async () => {
    await fixture();
    const res = await raw(server, `/api/v1/users/${user.id}`);
    assert.equal(res.status, 200, res.text);
    assertStandardHeaders(res.headers);
    assert.equal(res.headers.get('x-rate-limit-limit'), String(LIMIT), 'X-Rate-Limit-Limit is the user bucket limit');
    const remaining = Number(res.headers.get('x-rate-limit-remaining'));
    assert.ok(remaining >= 0 && remaining < LIMIT, `X-Rate-Limit-Remaining counts this request (got ${remaining})`);
    const reset = Number(res.headers.get('x-rate-limit-reset'));
    const now = Date.now() / 1000;
    assert.ok(reset >= Math.floor(now) - 1 && reset <= now + WINDOW_SECONDS + 1,
      `X-Rate-Limit-Reset is epoch seconds within the window (got ${reset}, now ${now.toFixed(3)})`);
    await waitForReset(res.headers);
  });

  it('the SDK retries a 429 transparently and every call succeeds', async () => {
    await fixture();
    const backoffs = [];
    const onBackoff = (request, response, requestId, delayMs) => backoffs.push({ requestId, delayMs, status: response.status });
    sdk.executor.on('backoff', onBackoff);
    const start = sdk.exchanges.length;
    try {
      for (let i = 0; i < 2 * LIMIT + 1; i++) {
        const got = await sdk.client.userApi.getUser({ userId: user.id });
        assert.equal(got.id, user.id, `call ${i + 1} returned the user`);
      }
    } finally {
      sdk.executor.off('backoff', onBackoff);
    }
    const exchanges = sdk.exchanges.slice(start);
    const limited = exchanges.filter((e) => e.status === 429);
    assert.ok(limited.length >= 1, `at least one 429 among ${exchanges.map((e) => e.status).join(',')}`);
    assert.ok(backoffs.length >= 1, 'the SDK emitted backoff (it only does so when X-Rate-Limit-Reset and Date allow a retry)');
    for (const b of backoffs) {
      assert.equal(b.status, 429);
      assert.ok(b.requestId, 'the 429 had an X-Okta-Request-Id');
      assert.ok(b.delayMs >= 0 && b.delayMs <= (WINDOW_SECONDS + 2) * 1000, `retry delay ${b.delayMs} ms fits the window`);
    }
    const retries = exchanges.filter((e) => e.requestHeaders['X-Okta-Retry-Count']);
    assert.ok(retries.length >= 1, 'retried requests were made');
    for (const r of retries) {
      assert.ok(backoffs.some((b) => b.requestId === r.requestHeaders['X-Okta-Retry-For']), 'X-Okta-Retry-For names the 429 request id');
      assert.equal(r.status, 200, 'the retry after the announced reset succeeds');
    }
    for (const e of limited) {
      assert.equal(e.headers['x-rate-limit-remaining'], '0', '429: X-Rate-Limit-Remaining is 0');
      assert.equal(e.headers['x-rate-limit-limit'], String(LIMIT), '429: X-Rate-Limit-Limit');
    }
    await waitForReset(exchanges.at(-1).headers);
  });

  it('a raw 429 has E0000047 and the headers; other buckets are unaffected', async () => {
    await fixture();
    let limited;
    for (let i = 0; i < LIMIT + 3 && !limited; i++) {
      const res = await raw(server, `/api/v1/users/${user.id}`);
      if (res.status === 429) limited = res;
      else assert.equal(res.status, 200, `request ${i + 1}: ${res.text}`);
    }
    assert.ok(limited, `no 429 within ${LIMIT + 3} requests to a bucket of ${LIMIT}`);
    assertErrorBody(limited, { status: 429, errorCode: 'E0000047' });
    assert.equal(limited.json.errorSummary, 'API call exceeded rate limit due to too many requests.');
    assertStandardHeaders(limited.headers, '429: ');
    assert.equal(limited.headers.get('x-rate-limit-limit'), String(LIMIT));
    assert.equal(limited.headers.get('x-rate-limit-remaining'), '0');
    const delta = Number(limited.headers.get('x-rate-limit-reset')) * 1000 - Date.parse(limited.headers.get('date'));
    assert.ok(delta >= -1000 && delta <= WINDOW_SECONDS * 1000 + 1000,
      `X-Rate-Limit-Reset minus Date is within the window (${delta} ms)`);

    // The same bucket covers paths below /users/{id} ...
    const below = await raw(server, `/api/v1/users/${user.id}/groups`);
    assert.equal(below.status, 429, '/api/v1/users/{id}/groups is in the user bucket too');
    // ... and not the users collection or other buckets.
    const collection = await raw(server, '/api/v1/users?limit=1');
    assert.equal(collection.status, 200, `users collection has its own bucket: ${collection.text}`);
    assert.notEqual(collection.headers.get('x-rate-limit-limit'), null);
    const groups = await raw(server, '/api/v1/groups?limit=1');
    assert.equal(groups.status, 200, `groups bucket unaffected: ${groups.text}`);

    await waitForReset(limited.headers);
    const again = await raw(server, `/api/v1/users/${user.id}`);
    assert.equal(again.status, 200, 'after the reset the bucket admits requests again');
  });
});

describe('wire conventions of this file', () => {
  it('every SDK response (429s included) carried Content-Type, X-Okta-Request-Id, Date and rate-limit headers', () => {
    assertAllExchangesWellFormed(sdk.exchanges);
  });
});
