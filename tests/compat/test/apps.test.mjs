// Applications API through the official SDK (okta-api.md §0.8, §4).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useServer } from '../lib/harness.mjs';
import {
  PASSWORD, assertAllExchangesWellFormed, assertId, assertIsoMillis, collect, expectOktaError,
  profile, raw, uniq,
} from '../lib/okta.mjs';

let server;
let sdk;
let apps;
let users;
let groups;

useServer({}, (s, k) => {
  server = s;
  sdk = k;
  apps = sdk.client.applicationApi;
  users = sdk.client.userApi;
  groups = sdk.client.groupApi;
});

const bookmark = (label, url = 'https://example.com/bookmark') => ({
  name: 'bookmark', label, signOnMode: 'BOOKMARK', settings: { app: { url, requestIntegration: false } },
});
const newApp = (label = `Bookmark ${uniq()}`, activate) => apps.createApplication({ application: bookmark(label), activate });
const newUser = (tag) => users.createUser({ body: { profile: profile(tag), credentials: { password: { value: PASSWORD } } }, activate: true });

describe('BOOKMARK app CRUD and lifecycle', { timeout: 30_000 }, () => {
  it('create', async () => {
    const label = `Intranet ${uniq()}`;
    const app = await apps.createApplication({ application: bookmark(label, 'https://example.com/intranet') });
    const ex = sdk.last();
    assert.equal(ex.method, 'POST');
    assert.equal(ex.url, `${server.url}/api/v1/apps`);
    assert.equal(ex.status, 200);
    assertId(app.id, '0oa', 'app id');
    assert.equal(app.constructor.name, 'BookmarkApplication', 'the SDK picked the model from signOnMode');
    assert.equal(app.signOnMode, 'BOOKMARK');
    assert.equal(app.name, 'bookmark');
    assert.equal(app.label, label);
    assert.equal(app.status, 'ACTIVE', 'activate defaults to true');
    assert.equal(app.settings?.app?.url, 'https://example.com/intranet');
    assert.equal(app.settings?.app?.requestIntegration, false);
    assert.equal(app._links?.self?.href, `${server.url}/api/v1/apps/${app.id}`, '_links.self.href');
  });

  it('raw wire format: dates, appLinks, accessPolicy link', async () => {
    const app = await newApp();
    const res = await raw(server, `/api/v1/apps/${app.id}`);
    assert.equal(res.status, 200, res.text);
    const a = res.json;
    assertIsoMillis(a.created, 'created');
    assertIsoMillis(a.lastUpdated, 'lastUpdated');
    assert.equal(a.visibility?.appLinks?.login, true, 'visibility.appLinks.login');
    assert.ok(Array.isArray(a._links?.appLinks), '_links.appLinks is an array');
    assert.equal(a._links.appLinks[0]?.name, 'login');
    assert.equal(a._links.appLinks[0]?.type, 'text/html');
    assert.ok(a._links.appLinks[0]?.href?.startsWith(`${server.url}/home/bookmark/${a.id}/`), `appLinks href: ${a._links.appLinks[0]?.href}`);
    const policy = a._links?.accessPolicy?.href;
    assert.ok(policy, '_links.accessPolicy is present');
    assert.match(policy, new RegExp(`^${server.url}/api/v1/policies/rst[0-9A-Za-z]{17}$`), `accessPolicy href: ${policy}`);
    assert.equal(a._links?.users?.href, `${server.url}/api/v1/apps/${a.id}/users`, '_links.users');
    assert.equal(a._links?.groups?.href, `${server.url}/api/v1/apps/${a.id}/groups`, '_links.groups');
    assert.ok(a._links?.deactivate?.href, 'an ACTIVE app has a deactivate link');
  });

  it('the SDK model also exposes _links.accessPolicy', async () => {
    const app = await newApp();
    const fetched = await apps.getApplication({ appId: app.id });
    assert.ok(fetched._links?.accessPolicy?.href?.includes('/api/v1/policies/rst'), 'accessPolicy link');
  });

  it('create with activate=false gives INACTIVE', async () => {
    const app = await newApp(undefined, false);
    assert.equal(app.status, 'INACTIVE');
    assert.ok(sdk.last().url.endsWith('?activate=false'), sdk.last().url);
  });

  it('get', async () => {
    const app = await newApp();
    const fetched = await apps.getApplication({ appId: app.id });
    assert.equal(fetched.id, app.id);
    assert.equal(fetched.label, app.label);
    assert.equal(fetched._links.self.href, sdk.last().url, 'self link equals the URL the SDK called');
  });

  it('replace', async () => {
    const app = await newApp();
    const current = await apps.getApplication({ appId: app.id });
    current.label = `Renamed ${uniq()}`;
    current.settings.app.url = 'https://example.com/renamed';
    const replaced = await apps.replaceApplication({ appId: app.id, application: current });
    assert.equal(sdk.last().method, 'PUT');
    assert.equal(sdk.last().status, 200);
    assert.equal(replaced.label, current.label);
    assert.equal(replaced.settings.app.url, 'https://example.com/renamed');
    const fetched = await apps.getApplication({ appId: app.id });
    assert.equal(fetched.label, current.label);
  });

  it('deactivate / activate', async () => {
    const app = await newApp();
    await apps.deactivateApplication({ appId: app.id });
    assert.equal(sdk.last().url, `${server.url}/api/v1/apps/${app.id}/lifecycle/deactivate`);
    assert.equal(sdk.last().status, 200);
    assert.equal((await apps.getApplication({ appId: app.id })).status, 'INACTIVE');
    await apps.activateApplication({ appId: app.id });
    assert.equal(sdk.last().status, 200);
    assert.equal((await apps.getApplication({ appId: app.id })).status, 'ACTIVE');
  });

  it('deleting an ACTIVE app gives 403 E0000056; after deactivate 204, then 404', async () => {
    const app = await newApp();
    const e = await expectOktaError(apps.deleteApplication({ appId: app.id }), { status: 403, errorCode: 'E0000056' });
    assert.equal(e.errorSummary, 'Delete application forbidden.');
    assert.ok(e.errorCauses.some((c) => c.errorSummary === 'The application must be deactivated before deletion.'),
      `cause: ${JSON.stringify(e.errorCauses)}`);
    await apps.deactivateApplication({ appId: app.id });
    await apps.deleteApplication({ appId: app.id });
    assert.equal(sdk.last().method, 'DELETE');
    assert.equal(sdk.last().status, 204);
    await expectOktaError(apps.getApplication({ appId: app.id }), { status: 404, errorCode: 'E0000007' });
  });

  it('a BOOKMARK app without settings.app.url gives 400 E0000001', async () => {
    await expectOktaError(apps.createApplication({
      application: { name: 'bookmark', label: `No url ${uniq()}`, signOnMode: 'BOOKMARK', settings: { app: { requestIntegration: false } } },
    }), { status: 400, errorCode: 'E0000001' });
  });

  it('unknown app gives 404 E0000007', async () => {
    await expectOktaError(apps.getApplication({ appId: '0oa' + 'w'.repeat(17) }), { status: 404, errorCode: 'E0000007' });
  });
});

describe('listApplications', { timeout: 30_000 }, () => {
  it('lists created apps, q by label prefix, pages with a small limit', async () => {
    const tag = `Lq${uniq(3)}`;
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await newApp(`${tag} ${i}`));
    const byQ = await collect(await apps.listApplications({ q: tag }));
    assert.deepEqual(byQ.map((a) => a.id).sort(), made.map((a) => a.id).sort(), 'q matches the label prefix');
    assert.ok(byQ.every((a) => a.constructor.name === 'BookmarkApplication'));

    const start = sdk.exchanges.length;
    const all = await collect(await apps.listApplications({ limit: 2 }));
    assert.ok(sdk.exchanges.length - start >= 2, 'several pages');
    const ids = all.map((a) => a.id);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    for (const a of made) assert.ok(ids.includes(a.id), `app ${a.label} listed`);
  });

  it('filter status eq "INACTIVE"', async () => {
    const inactive = await newApp(undefined, false);
    const list = await collect(await apps.listApplications({ filter: 'status eq "INACTIVE"' }));
    assert.ok(list.some((a) => a.id === inactive.id));
    assert.ok(list.every((a) => a.status === 'INACTIVE'));
  });
});

describe('assignments', { timeout: 60_000 }, () => {
  it('assign a user, list, get, unassign', async () => {
    const app = await newApp();
    const user = await newUser('appuser');
    const assigned = await apps.assignUserToApplication({ appId: app.id, appUser: { id: user.id } });
    const ex = sdk.last();
    assert.equal(ex.method, 'POST');
    assert.equal(ex.url, `${server.url}/api/v1/apps/${app.id}/users`);
    assert.equal(ex.status, 200);
    assert.equal(assigned.id, user.id, 'AppUser id is the user id');
    assert.equal(assigned.scope, 'USER', 'a direct assignment has scope USER');
    assert.ok(assigned.created instanceof Date, 'created');

    const list = await collect(await apps.listApplicationUsers({ appId: app.id }));
    assert.deepEqual(list.map((u) => u.id), [user.id]);
    assert.equal(list[0].scope, 'USER');

    const got = await apps.getApplicationUser({ appId: app.id, userId: user.id });
    assert.equal(got.id, user.id);
    assert.equal(got.scope, 'USER');

    const rawGot = await raw(server, `/api/v1/apps/${app.id}/users/${user.id}`);
    assert.equal(rawGot.status, 200, rawGot.text);
    assert.ok(rawGot.json._links?.app?.href?.endsWith(`/api/v1/apps/${app.id}`), '_links.app');
    assert.ok(rawGot.json._links?.user?.href?.endsWith(`/api/v1/users/${user.id}`), '_links.user');

    await apps.unassignUserFromApplication({ appId: app.id, userId: user.id });
    assert.equal(sdk.last().method, 'DELETE');
    assert.equal(sdk.last().status, 204);
    assert.deepEqual(await collect(await apps.listApplicationUsers({ appId: app.id })), []);
    await expectOktaError(apps.getApplicationUser({ appId: app.id, userId: user.id }), { status: 404, errorCode: 'E0000007' });
  });

  it('listApplicationUsers pages with a small limit', async () => {
    const app = await newApp();
    const made = [];
    for (let i = 0; i < 5; i++) {
      const u = await newUser(`pa${i}`);
      made.push(u);
      await apps.assignUserToApplication({ appId: app.id, appUser: { id: u.id } });
    }
    const start = sdk.exchanges.length;
    const list = await collect(await apps.listApplicationUsers({ appId: app.id, limit: 2 }));
    assert.ok(sdk.exchanges.length - start >= 3, 'several pages');
    const ids = list.map((u) => u.id);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    assert.deepEqual([...ids].sort(), made.map((u) => u.id).sort());
  });

  it('listApplicationUsers with q finds the matching users only, over pages that keep q', async () => {
    const app = await newApp();
    const tag = `q${uniq()}`;
    const made = [];
    for (const firstName of [`${tag}ada`, `${tag}bob`, `Other${tag}`]) {
      const u = await users.createUser({ body: { profile: profile('qa', { firstName }), credentials: { password: { value: PASSWORD } } } });
      made.push(u);
      await apps.assignUserToApplication({ appId: app.id, appUser: { id: u.id } });
    }
    const start = sdk.exchanges.length;
    const list = await collect(await apps.listApplicationUsers({ appId: app.id, q: tag, limit: 1 }));
    const pages = sdk.exchanges.slice(start);
    assert.deepEqual(list.map((u) => u.id).sort(), made.slice(0, 2).map((u) => u.id).sort(), 'the two users whose first name starts with q');
    assert.equal(pages.length, 2, `two pages of one (${pages.map((e) => e.url).join(', ')})`);
    assert.equal(new URL(pages[1].url).searchParams.get('q'), tag, 'the next link keeps q');
  });

  it('assign a group without a body; its members show as assigned with scope GROUP', async () => {
    const app = await newApp();
    const group = await groups.createGroup({ group: { profile: { name: `App group ${uniq()}` } } });
    const member = await newUser('gmember');
    await groups.assignUserToGroup({ groupId: group.id, userId: member.id });

    const assignment = await apps.assignGroupToApplication({ appId: app.id, groupId: group.id });
    const ex = sdk.last();
    assert.equal(ex.method, 'PUT');
    assert.equal(ex.url, `${server.url}/api/v1/apps/${app.id}/groups/${group.id}`);
    assert.equal(ex.status, 200);
    assert.equal(assignment.id, group.id, 'assignment id is the group id');
    assert.equal(assignment.priority, 0, 'the first assignment gets priority 0');

    const got = await apps.getApplicationUser({ appId: app.id, userId: member.id });
    assert.equal(got.id, member.id);
    assert.equal(got.scope, 'GROUP', 'a group-derived assignment has scope GROUP');
    const list = await collect(await apps.listApplicationUsers({ appId: app.id }));
    const listed = list.find((u) => u.id === member.id);
    assert.ok(listed, 'the group member is listed as an app user');
    assert.equal(listed.scope, 'GROUP');

    // a member who joins later is assigned too
    const late = await newUser('glate');
    await groups.assignUserToGroup({ groupId: group.id, userId: late.id });
    assert.equal((await apps.getApplicationUser({ appId: app.id, userId: late.id })).scope, 'GROUP');

    // a second group assignment gets the next priority
    const group2 = await groups.createGroup({ group: { profile: { name: `App group 2 ${uniq()}` } } });
    const second = await apps.assignGroupToApplication({ appId: app.id, groupId: group2.id });
    assert.equal(second.priority, 1, 'the next assignment gets priority 1');
  });

  it('listApplications with filter user.id eq and expand user/{id}', async () => {
    const user = await newUser('filt');
    const mine = await newApp(`Mine ${uniq()}`);
    const viaGroup = await newApp(`Via group ${uniq()}`);
    const notMine = await newApp(`Not mine ${uniq()}`);
    await apps.assignUserToApplication({ appId: mine.id, appUser: { id: user.id } });
    const group = await groups.createGroup({ group: { profile: { name: `Filter group ${uniq()}` } } });
    await groups.assignUserToGroup({ groupId: group.id, userId: user.id });
    await apps.assignGroupToApplication({ appId: viaGroup.id, groupId: group.id });

    const list = await collect(await apps.listApplications({ filter: `user.id eq "${user.id}"`, expand: `user/${user.id}` }));
    const url = new URL(sdk.last().url);
    assert.equal(url.searchParams.get('filter'), `user.id eq "${user.id}"`);
    assert.equal(url.searchParams.get('expand'), `user/${user.id}`);
    const ids = list.map((a) => a.id);
    assert.ok(ids.includes(mine.id), 'directly assigned app listed');
    assert.ok(ids.includes(viaGroup.id), 'app assigned through a group listed');
    assert.ok(!ids.includes(notMine.id), 'unassigned app not listed');
    const direct = list.find((a) => a.id === mine.id);
    assert.equal(direct._embedded?.user?.id, user.id, '_embedded.user.id');
    assert.equal(direct._embedded?.user?.scope, 'USER', '_embedded.user.scope');
    assert.equal(list.find((a) => a.id === viaGroup.id)._embedded?.user?.scope, 'GROUP');
  });
});

describe('wire conventions of this file', () => {
  it('every SDK response carried Content-Type, X-Okta-Request-Id, Date and rate-limit headers', () => {
    assertAllExchangesWellFormed(sdk.exchanges);
  });
});
