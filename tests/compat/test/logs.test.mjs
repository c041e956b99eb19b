// System Log through the official SDK (okta-api.md §0.11, §8).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { once, useServer } from '../lib/harness.mjs';
import {
  PASSWORD, assertAllExchangesWellFormed, assertErrorBody, assertId, assertIsoMillis, collect,
  expectOktaError, parseLinks, profile, raw, sleep, uniq,
} from '../lib/okta.mjs';

let server;
let sdk;
let logs;
let since;
let until;
let alice;
let bob;
let group;

useServer({}, (s, k) => {
  server = s;
  sdk = k;
  logs = sdk.client.systemLogApi;
});

// Admin changes inside a [since, until] window, made on first use.
const setup = once(async () => {
  since = new Date().toISOString();
  await sleep(5);
  const users = sdk.client.userApi;
  alice = await users.createUser({ body: { profile: profile('alice'), credentials: { password: { value: PASSWORD } } }, activate: true });
  bob = await users.createUser({ body: { profile: profile('bob'), credentials: { password: { value: PASSWORD } } }, activate: true });
  await users.suspendUser({ userId: bob.id });
  group = await sdk.client.groupApi.createGroup({ group: { profile: { name: `Log group ${uniq()}` } } });
  await sdk.client.groupApi.assignUserToGroup({ groupId: group.id, userId: alice.id });
  // Give the server a moment in case events are written asynchronously, then fix the window's end.
  const deadline = Date.now() + 5_000;
  for (;;) {
    const res = await raw(server, `/api/v1/logs?since=${encodeURIComponent(since)}&filter=${encodeURIComponent('eventType eq "group.user_membership.add"')}`);
    if ((res.status === 200 && Array.isArray(res.json) && res.json.length > 0) || Date.now() > deadline) break;
    await sleep(100);
  }
  await sleep(5);
  until = new Date().toISOString();
});

const bounded = async (params = {}) => collect(await logs.listLogEvents({ since, until, ...params }));
const targets = (event, id) => (event.target ?? []).some((t) => t.id === id);

describe('queries', { timeout: 30_000 }, () => {
  it('filter eventType eq "user.lifecycle.create" within since/until', async () => {
    await setup();
    const events = await bounded({ filter: 'eventType eq "user.lifecycle.create"' });
    const url = new URL(sdk.last().url);
    assert.equal(url.pathname, '/api/v1/logs');
    assert.equal(url.searchParams.get('filter'), 'eventType eq "user.lifecycle.create"');
    assert.equal(url.searchParams.get('since'), since);
    assert.equal(url.searchParams.get('until'), until);
    assert.ok(events.length >= 2, `at least the two creations (got ${events.length})`);
    assert.ok(events.every((e) => e.eventType === 'user.lifecycle.create'), 'only that event type');
    assert.ok(events.some((e) => targets(e, alice.id)), 'alice created');
    assert.ok(events.some((e) => targets(e, bob.id)), 'bob created');
  });

  it('event shape', async () => {
    await setup();
    const [event] = await bounded({ filter: `eventType eq "user.lifecycle.create" and target.id eq "${alice.id}"` });
    assert.ok(event, 'the creation of alice was logged');
    assert.match(event.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, `uuid ${event.uuid}`);
    assert.ok(event.published instanceof Date && !Number.isNaN(event.published.getTime()), 'published');
    assert.ok(event.published.getTime() >= Date.parse(since) && event.published.getTime() <= Date.parse(until), 'published inside the window');
    assert.equal(event.eventType, 'user.lifecycle.create');
    assert.equal(event.version, '0');
    assert.equal(event.severity, 'INFO');
    assert.equal(typeof event.displayMessage, 'string');
    assert.ok(event.displayMessage.length > 0, 'displayMessage');
    assertId(event.actor?.id, '00u', 'actor.id');
    assert.equal(event.actor.type, 'User', 'actor.type');
    assert.ok(event.actor.alternateId, 'actor.alternateId');
    assert.ok(event.actor.displayName, 'actor.displayName');
    assert.ok(Array.isArray(event.target), 'target is an array');
    const t = event.target.find((x) => x.id === alice.id);
    assert.ok(t, 'alice is a target');
    assert.equal(t.type, 'User');
    assert.equal(t.alternateId, alice.profile.login);
    assert.ok(t.displayName, 'target.displayName');
    assert.equal(event.outcome?.result, 'SUCCESS');
  });

  it('raw event: published has milliseconds, JSON content type', async () => {
    await setup();
    const q = new URLSearchParams({ since, until, filter: `target.id eq "${alice.id}"` });
    const res = await raw(server, `/api/v1/logs?${q}`);
    assert.equal(res.status, 200, res.text);
    assert.ok(Array.isArray(res.json) && res.json.length > 0, 'events');
    for (const e of res.json) assertIsoMillis(e.published, `published of ${e.eventType}`);
    assert.ok(parseLinks(res.headers.get('link')).self, 'rel="self" link');
  });

  it('the actor is the principal of the calling token', async () => {
    await setup();
    const me = await raw(server, '/api/v1/users/me');
    assert.equal(me.status, 200, `GET /api/v1/users/me: ${me.text}`);
    const events = await bounded({ filter: 'eventType eq "user.lifecycle.create"' });
    assert.ok(events.length > 0);
    for (const e of events) assert.equal(e.actor.id, me.json.id, `actor of ${e.uuid}`);
    assert.equal(events[0].actor.alternateId, me.json.profile.login, 'actor.alternateId is the login');
  });

  it('bounded query with a small limit pages and ends, ordered by published, no duplicates', async () => {
    await setup();
    const single = await bounded({ limit: 1000 });
    assert.ok(single.length >= 4, `the setup produced several events (got ${single.length})`);
    const start = sdk.exchanges.length;
    const paged = await bounded({ limit: 1 });
    const pages = sdk.exchanges.slice(start);
    assert.ok(pages.length >= 3, `several pages (made ${pages.length} requests)`);
    for (const ex of pages.slice(1)) {
      assert.equal(new URL(ex.url).searchParams.get('limit'), '1', `next link keeps limit: ${ex.url}`);
    }
    assert.equal(parseLinks(pages.at(-1).headers.link).next, undefined, 'the last page of a bounded query has no next link');
    const uuids = paged.map((e) => e.uuid);
    assert.equal(new Set(uuids).size, uuids.length, 'no duplicates');
    assert.deepEqual(uuids, single.map((e) => e.uuid), 'paged result equals the single-page result');
    for (let i = 1; i < paged.length; i++) {
      assert.ok(paged[i - 1].published.getTime() <= paged[i].published.getTime(), 'ascending by published');
    }
  });

  it('sortOrder DESCENDING reverses a bounded query', async () => {
    await setup();
    const asc = await bounded({ limit: 1000 });
    const desc = await bounded({ limit: 1000, sortOrder: 'DESCENDING' });
    assert.deepEqual(desc.map((e) => e.uuid), asc.map((e) => e.uuid).reverse());
  });

  it('filter target.id eq "<userId>"', async () => {
    await setup();
    const events = await bounded({ filter: `target.id eq "${alice.id}"` });
    assert.ok(events.length >= 2, `creation and group membership at least (got ${events.map((e) => e.eventType)})`);
    assert.ok(events.every((e) => targets(e, alice.id)), 'every event targets alice');
    assert.ok(events.some((e) => e.eventType === 'user.lifecycle.create'));
    assert.ok(events.some((e) => e.eventType === 'group.user_membership.add'));
    assert.ok(!events.some((e) => targets(e, bob.id)), 'no event about bob only');
  });

  it('group.user_membership.add targets the user and the group', async () => {
    await setup();
    const events = await bounded({ filter: `eventType eq "group.user_membership.add" and target.id eq "${group.id}"` });
    assert.equal(events.length, 1);
    const [e] = events;
    assert.ok(targets(e, alice.id), 'targets the user');
    const g = e.target.find((x) => x.id === group.id);
    assert.equal(g.type, 'UserGroup');
  });

  it('or combination', async () => {
    await setup();
    const events = await bounded({ filter: 'eventType eq "user.lifecycle.create" or eventType eq "user.lifecycle.suspend"' });
    const types = new Set(events.map((e) => e.eventType));
    assert.deepEqual([...types].sort(), ['user.lifecycle.create', 'user.lifecycle.suspend']);
    assert.ok(events.some((e) => e.eventType === 'user.lifecycle.suspend' && targets(e, bob.id)), 'bob suspended');
  });

  it('and combination', async () => {
    await setup();
    const events = await bounded({ filter: `eventType eq "user.lifecycle.create" and target.id eq "${bob.id}"` });
    assert.equal(events.length, 1);
    assert.ok(targets(events[0], bob.id));
  });

  it('grouping and upper-case operators', async () => {
    await setup();
    const events = await bounded({
      filter: `(eventType eq "user.lifecycle.create" OR eventType eq "user.lifecycle.suspend") AND target.id eq "${bob.id}"`,
    });
    assert.deepEqual(events.map((e) => e.eventType).sort(), ['user.lifecycle.create', 'user.lifecycle.suspend']);
  });

  it('outcome.result and sw operators', async () => {
    await setup();
    const events = await bounded({ filter: 'eventType sw "user.lifecycle." and outcome.result eq "SUCCESS"' });
    assert.ok(events.length >= 3);
    assert.ok(events.every((e) => e.eventType.startsWith('user.lifecycle.') && e.outcome.result === 'SUCCESS'));
  });
});

describe('polling mode (no until)', { timeout: 30_000 }, () => {
  it('always has a next link, even on an empty page', async () => {
    await setup();
    const q = new URLSearchParams({ since, filter: 'eventType eq "no.such.event"' });
    const res = await raw(server, `/api/v1/logs?${q}`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, []);
    const next = parseLinks(res.headers.get('link')).next;
    assert.ok(next, `rel="next" on an empty polling page (link: ${res.headers.get('link')})`);
    assert.ok(next.startsWith(`${server.url}/api/v1/logs?`), `next is absolute: ${next}`);
    const again = await raw(server, next);
    assert.equal(again.status, 200, `following next: ${again.text}`);
    assert.deepEqual(again.json, []);
    assert.ok(parseLinks(again.headers.get('link')).next, 'still a next link');
  });

  it('the SDK collection yields the events, then null for the empty page, and keeps its next link', async () => {
    await setup();
    const collection = await logs.listLogEvents({ since, filter: `eventType eq "user.lifecycle.suspend" and target.id eq "${bob.id}"` });
    const first = await collection.next();
    assert.equal(first.value?.eventType, 'user.lifecycle.suspend');
    const second = await collection.next();
    assert.equal(second.value, null, 'end of current events');
    assert.equal(second.done, false, 'a polling collection is never done');
    assert.ok(collection.nextUri, 'the collection holds a next link to poll');
  });
});

describe('errors', { timeout: 30_000 }, () => {
  for (const filter of ['eventType eq', 'eventType eq "x" and', '(eventType eq "x"', 'eventType eq x"', 'noSuchField eq "x"']) {
    it(`malformed filter ${JSON.stringify(filter)} gives 400 E0000053`, async () => {
      await setup();
      await expectOktaError(bounded({ filter }), { status: 400, errorCode: 'E0000053' });
    });
  }

  it('an unsupported operator for a field gives 400 E0000031', async () => {
    await setup();
    await expectOktaError(bounded({ filter: 'debugContext.debugData.requestUri co "/api"' }), { status: 400, errorCode: 'E0000031' });
  });

  it('raw malformed filter body', async () => {
    await setup();
    const res = await raw(server, `/api/v1/logs?filter=${encodeURIComponent('eventType eq')}`);
    assertErrorBody(res, { status: 400, errorCode: 'E0000053' });
  });

  it('a bad date gives 400 E0000001', async () => {
    await setup();
    const res = await raw(server, '/api/v1/logs?since=yesterday');
    assertErrorBody(res, { status: 400, errorCode: 'E0000001' });
  });
});

describe('wire conventions of this file', () => {
  it('every SDK response carried Content-Type, X-Okta-Request-Id, Date and rate-limit headers', () => {
    assertAllExchangesWellFormed(sdk.exchanges);
  });
});
