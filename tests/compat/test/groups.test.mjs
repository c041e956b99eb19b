// Groups API through the official SDK (okta-api.md §0.6, §0.7, §3).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useServer, once } from '../lib/harness.mjs';
import {
  PASSWORD, assertAllExchangesWellFormed, assertId, assertIsoMillis, collect, expectOktaError,
  parseLinks, profile, raw, uniq,
} from '../lib/okta.mjs';

let server;
let sdk;
let groups;
let users;

useServer({}, (s, k) => {
  server = s;
  sdk = k;
  groups = sdk.client.groupApi;
  users = sdk.client.userApi;
});

const newUser = (tag) => users.createUser({ body: { profile: profile(tag), credentials: { password: { value: PASSWORD } } }, activate: true });
const newGroup = (name, description = 'made by the compat suite') => groups.createGroup({ group: { profile: { name, description } } });

async function everyone() {
  const list = await collect(await groups.listGroups({ q: 'Everyone' }));
  const found = list.find((g) => g.profile?.name === 'Everyone');
  assert.ok(found, `the built-in Everyone group exists (q=Everyone gave ${JSON.stringify(list.map((g) => g.profile?.name))})`);
  return found;
}

describe('CRUD', { timeout: 30_000 }, () => {
  it('create an OKTA_GROUP', async () => {
    const name = `Engineering ${uniq()}`;
    const group = await newGroup(name, 'Builders');
    const ex = sdk.last();
    assert.equal(ex.method, 'POST');
    assert.equal(ex.url, `${server.url}/api/v1/groups`);
    assert.equal(ex.status, 200);
    assertId(group.id, '00g', 'group id');
    assert.equal(group.type, 'OKTA_GROUP');
    assert.deepEqual(group.objectClass, ['okta:user_group']);
    assert.equal(group.profile.name, name);
    assert.equal(group.profile.description, 'Builders');
    assert.equal(group._links?.self?.href, `${server.url}/api/v1/groups/${group.id}`, '_links.self.href');
    assert.equal(group._links?.users?.href, `${server.url}/api/v1/groups/${group.id}/users`, '_links.users.href');
  });

  it('raw wire format of a group', async () => {
    const res = await raw(server, '/api/v1/groups', { method: 'POST', body: { profile: { name: `Wire ${uniq()}` } } });
    assert.equal(res.status, 200, res.text);
    assertIsoMillis(res.json.created, 'created');
    assertIsoMillis(res.json.lastUpdated, 'lastUpdated');
    assertIsoMillis(res.json.lastMembershipUpdated, 'lastMembershipUpdated');
  });

  it('get', async () => {
    const group = await newGroup(`Get ${uniq()}`);
    const fetched = await groups.getGroup({ groupId: group.id });
    assert.equal(fetched.id, group.id);
    assert.equal(fetched.profile.name, group.profile.name);
    assert.equal(fetched._links.self.href, sdk.last().url, 'self link equals the URL the SDK called');
  });

  it('replace', async () => {
    const group = await newGroup(`Old ${uniq()}`, 'old');
    const name = `New ${uniq()}`;
    const replaced = await groups.replaceGroup({ groupId: group.id, group: { profile: { name, description: 'new' } } });
    assert.equal(sdk.last().method, 'PUT');
    assert.equal(sdk.last().status, 200);
    assert.equal(replaced.profile.name, name);
    assert.equal(replaced.profile.description, 'new');
    assert.equal((await groups.getGroup({ groupId: group.id })).profile.name, name);
  });

  it('delete, then 404 E0000007', async () => {
    const group = await newGroup(`Del ${uniq()}`);
    await groups.deleteGroup({ groupId: group.id });
    assert.equal(sdk.last().method, 'DELETE');
    assert.equal(sdk.last().status, 204);
    await expectOktaError(groups.getGroup({ groupId: group.id }), { status: 404, errorCode: 'E0000007' });
  });

  it('unknown group gives 404 E0000007', async () => {
    await expectOktaError(groups.getGroup({ groupId: '00g' + 'z'.repeat(17) }), { status: 404, errorCode: 'E0000007' });
  });

  it('missing name gives 400 E0000001', async () => {
    await expectOktaError(groups.createGroup({ group: { profile: { description: 'no name' } } }), { status: 400, errorCode: 'E0000001' });
  });
});

describe('membership', { timeout: 60_000 }, () => {
  it('assign, list members with paging, listUserGroups, unassign', async () => {
    const group = await newGroup(`Members ${uniq()}`);
    const members = [];
    for (let i = 0; i < 5; i++) members.push(await newUser(`mem${i}`));
    for (const u of members) {
      await groups.assignUserToGroup({ groupId: group.id, userId: u.id });
      const ex = sdk.last();
      assert.equal(ex.method, 'PUT');
      assert.equal(ex.url, `${server.url}/api/v1/groups/${group.id}/users/${u.id}`);
      assert.equal(ex.status, 204, 'assignUserToGroup answers 204');
    }
    // idempotent
    await groups.assignUserToGroup({ groupId: group.id, userId: members[0].id });
    assert.equal(sdk.last().status, 204, 'assigning again is idempotent (204)');

    const start = sdk.exchanges.length;
    const listed = await collect(await groups.listGroupUsers({ groupId: group.id, limit: 2 }));
    const pages = sdk.exchanges.slice(start);
    assert.ok(pages.length >= 3, `5 members with limit 2 take at least 3 pages (took ${pages.length})`);
    for (const ex of pages.slice(1)) {
      assert.equal(new URL(ex.url).searchParams.get('limit'), '2', `next link keeps limit: ${ex.url}`);
    }
    assert.equal(parseLinks(pages.at(-1).headers.link).next, undefined, 'last page has no next');
    const ids = listed.map((u) => u.id);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates across pages');
    assert.deepEqual([...ids].sort(), members.map((u) => u.id).sort(), 'every member exactly once');

    const ofUser = await collect(await users.listUserGroups({ userId: members[1].id }));
    assert.ok(ofUser.some((g) => g.id === group.id), 'listUserGroups shows the group');

    await groups.unassignUserFromGroup({ groupId: group.id, userId: members[1].id });
    assert.equal(sdk.last().method, 'DELETE');
    assert.equal(sdk.last().status, 204, 'unassignUserFromGroup answers 204');
    const remaining = await collect(await groups.listGroupUsers({ groupId: group.id }));
    assert.ok(!remaining.some((u) => u.id === members[1].id), 'removed member no longer listed');
    assert.equal(remaining.length, 4);
    const ofUserAfter = await collect(await users.listUserGroups({ userId: members[1].id }));
    assert.ok(!ofUserAfter.some((g) => g.id === group.id), 'listUserGroups no longer shows the group');
  });

  it('assigning an unknown user gives 404 E0000007', async () => {
    const group = await newGroup(`Unknown ${uniq()}`);
    await expectOktaError(groups.assignUserToGroup({ groupId: group.id, userId: '00u' + 'q'.repeat(17) }),
      { status: 404, errorCode: 'E0000007' });
  });
});

describe('Everyone', { timeout: 30_000 }, () => {
  it('is BUILT_IN and contains every new user', async () => {
    const group = await everyone();
    assert.equal(group.type, 'BUILT_IN');
    assertId(group.id, '00g', 'Everyone id');
    const user = await newUser('evry');
    const members = await collect(await groups.listGroupUsers({ groupId: group.id }));
    assert.ok(members.some((u) => u.id === user.id), 'a new user is a member of Everyone');
  });

  it('membership cannot be changed: 501 E0000060', async () => {
    const group = await everyone();
    const user = await newUser('evry2');
    const e = await expectOktaError(groups.assignUserToGroup({ groupId: group.id, userId: user.id }),
      { status: 501, errorCode: 'E0000060', what: 'assign to Everyone' });
    assert.equal(e.errorSummary, 'Unsupported operation.');
    await expectOktaError(groups.unassignUserFromGroup({ groupId: group.id, userId: user.id }),
      { status: 501, errorCode: 'E0000060', what: 'unassign from Everyone' });
  });

  it('cannot be deleted', async () => {
    const group = await everyone();
    let error;
    try { await groups.deleteGroup({ groupId: group.id }); } catch (e) { error = e; }
    assert.ok(error, 'deleting Everyone fails');
    assert.equal(error.name, 'OktaApiError', `an Okta error body: ${error.message}`);
    assert.ok(error.status >= 400, `error status (${error.status})`);
    assert.equal((await groups.getGroup({ groupId: group.id })).profile.name, 'Everyone', 'Everyone still exists');
  });
});

describe('listGroups', { timeout: 30_000 }, () => {
  const tag = uniq(3);
  const fixture = once(async () => {
    const made = [];
    for (const n of ['Alpha', 'Beta', 'Gamma']) made.push(await newGroup(`Cq${tag} ${n}`));
    made.push(await newGroup(`Other${tag}`));
    return made;
  });

  it('q matches a name prefix', async () => {
    const made = await fixture();
    const list = await collect(await groups.listGroups({ q: `Cq${tag}` }));
    assert.deepEqual(list.map((g) => g.id).sort(), made.slice(0, 3).map((g) => g.id).sort());
  });

  it('search profile.name sw "..."', async () => {
    const made = await fixture();
    const list = await collect(await groups.listGroups({ search: `profile.name sw "Cq${tag}"` }));
    assert.deepEqual(list.map((g) => g.id).sort(), made.slice(0, 3).map((g) => g.id).sort());
  });

  it('search type eq "BUILT_IN" finds Everyone only', async () => {
    const made = await fixture();
    const list = await collect(await groups.listGroups({ search: 'type eq "BUILT_IN"' }));
    assert.deepEqual(list.map((g) => g.profile.name), ['Everyone']);
  });

  it('filter type eq "OKTA_GROUP" does not include Everyone', async () => {
    const made = await fixture();
    const list = await collect(await groups.listGroups({ filter: 'type eq "OKTA_GROUP"' }));
    assert.ok(list.length >= made.length);
    assert.ok(list.every((g) => g.type === 'OKTA_GROUP'));
  });

  it('plain list with a small limit pages without duplicates', async () => {
    const made = await fixture();
    const start = sdk.exchanges.length;
    const list = await collect(await groups.listGroups({ limit: 2 }));
    assert.ok(sdk.exchanges.length - start >= 3, 'several pages');
    const ids = list.map((g) => g.id);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    for (const g of made) assert.ok(ids.includes(g.id), `group ${g.profile.name} listed`);
    assert.ok(list.some((g) => g.profile.name === 'Everyone'), 'Everyone listed');
  });
});

describe('wire conventions of this file', () => {
  it('every SDK response carried Content-Type, X-Okta-Request-Id, Date and rate-limit headers', () => {
    assertAllExchangesWellFormed(sdk.exchanges);
  });
});
