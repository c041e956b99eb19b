// Devices through the official SDK's deviceApi (okta-api.md §7.1): a device exists because the authenticator app
// enrolled on it (lib/device.mjs, as latchkey-verify does); list with search and expand, get, the device's users, the
// lifecycle with its rules (suspend refuses the device's factors until unsuspended, deactivate destroys them, delete
// only when DEACTIVATED), and 404 E0000007 for an unknown id.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeviceChannelError, enrollDevice } from '../lib/device.mjs';
import { useServer } from '../lib/harness.mjs';
import {
  PASSWORD, assertAllExchangesWellFormed, assertId, assertIsoMillis, collect, expectOktaError, profile, uniq,
} from '../lib/okta.mjs';

let server;
let sdk;
let devices;

useServer({}, (s, k) => {
  server = s;
  sdk = k;
  devices = sdk.client.deviceApi;
});

const newUser = (tag) => sdk.client.userApi.createUser({
  body: { profile: profile(tag), credentials: { password: { value: PASSWORD } } }, activate: true,
});

async function enrolledDevice(tag, options = {}) {
  const user = await newUser(tag);
  const device = await enrollDevice(server, { login: user.profile.login, password: PASSWORD, ...options });
  return { user, device };
}

/** Asserts the call failed in the device channel with that status and a first cause starting with `cause`. */
async function expectChannelRefusal(action, { status, errorCode, cause, what }) {
  const error = await action().then(() => undefined, (e) => e);
  assert.ok(error instanceof DeviceChannelError, `${what}: expected a refusal, got ${error?.stack ?? 'success'}`);
  assert.equal(error.status, status, `${what}: ${error.message}`);
  assert.equal(error.json?.errorCode, errorCode, `${what}: ${error.message}`);
  assert.ok(error.cause0.startsWith(cause), `${what}: cause ${cause} (got ${error.cause0})`);
}

/** The keys that hold a value (the SDK's models have every known attribute as a property, undefined when absent). */
const definedKeys = (object) => Object.entries(object ?? {}).filter(([k, v]) => v !== undefined && k !== 'additionalProperties').map(([k]) => k).sort();
const linkNames = (device) => definedKeys(device._links);

describe('deviceApi reads', { timeout: 60_000 }, () => {
  it('getDevice returns the Device the app registered', async () => {
    const displayName = `laptop-${uniq()}`;
    const { device } = await enrolledDevice('devget', { displayName, platform: 'MACOS', screenLockType: 'BIOMETRIC', extra: { model: 'Mac14,2', serialNumber: `SN${uniq()}` } });
    const fetched = await devices.getDevice({ deviceId: device.deviceId });
    assert.equal(sdk.last().url, `${server.url}/api/v1/devices/${device.deviceId}`);
    assert.equal(sdk.last().status, 200);
    assertId(fetched.id, 'guo', 'device id');
    assert.equal(fetched.status, 'ACTIVE');
    assert.ok(fetched.created instanceof Date && fetched.lastUpdated instanceof Date, 'created and lastUpdated are dates');
    assert.equal(fetched.profile.displayName, displayName);
    assert.equal(fetched.profile.platform, 'MACOS');
    assert.equal(fetched.profile.registered, true);
    assert.equal(fetched.profile.secureHardwarePresent, false, 'a software key never claims hardware');
    assert.equal(fetched.profile.model, 'Mac14,2');
    assert.match(fetched.profile.serialNumber, /^SN/);
    assert.equal(fetched.resourceType, 'UDDevice');
    assert.equal(fetched.resourceId, fetched.id);
    assert.equal(fetched.resourceAlternateId, null);
    assert.deepEqual({ ...fetched.resourceDisplayName }, { value: displayName, sensitive: false });
    assert.equal(fetched._links.self.href, `${server.url}/api/v1/devices/${fetched.id}`);
    assert.equal(fetched._links.users.href, `${server.url}/api/v1/devices/${fetched.id}/users`);
    assert.deepEqual(linkNames(fetched), ['deactivate', 'self', 'suspend', 'users'], 'an ACTIVE device offers suspend and deactivate');
    assert.deepEqual(fetched._links.suspend.hints?.allow, ['POST']);
  });

  it('listDevices: search by profile.displayName and status, expand=user and expand=userSummary', async () => {
    const displayName = `desk-${uniq()}`;
    const { user, device } = await enrolledDevice('devlist', { displayName, screenLockType: 'PASSCODE' });
    await enrolledDevice('devother');

    const all = await collect(await devices.listDevices());
    assert.equal(sdk.last().url, `${server.url}/api/v1/devices`);
    assert.ok(all.length >= 2, `both devices are listed (got ${all.length})`);
    assert.ok(all.some((d) => d.id === device.deviceId));

    const search = `profile.displayName eq "${displayName}"`;
    const found = await collect(await devices.listDevices({ search, expand: 'user' }));
    const url = new URL(sdk.last().url);
    assert.equal(url.searchParams.get('search'), search);
    assert.equal(url.searchParams.get('expand'), 'user');
    assert.deepEqual(found.map((d) => d.id), [device.deviceId], 'the search finds only that device');
    const [embedded] = found[0]._embedded.users;
    assert.equal(embedded.user.id, user.id);
    assert.equal(embedded.user.profile.login, user.profile.login);
    assert.equal(embedded.user.status, 'ACTIVE', 'expand=user embeds the whole User');
    assert.equal(embedded.managementStatus, 'NOT_MANAGED');
    assert.equal(embedded.screenLockType, 'PASSCODE');
    assertIsoMillis(embedded.created, 'DeviceUser created (a string in the SDK model)');

    const summary = await collect(await devices.listDevices({ search, expand: 'userSummary' }));
    const summaryUser = summary[0]._embedded.users[0].user;
    assert.equal(summaryUser.id, user.id);
    assert.deepEqual(definedKeys(summaryUser.profile), ['email', 'firstName', 'lastName', 'login']);
    assert.equal(summaryUser.status, undefined, 'userSummary has no status');

    const active = await collect(await devices.listDevices({ search: 'status eq "ACTIVE"' }));
    assert.ok(active.some((d) => d.id === device.deviceId) && active.every((d) => d.status === 'ACTIVE'));
    const none = await collect(await devices.listDevices({ search: `profile.displayName eq "no-such-${uniq()}"` }));
    assert.deepEqual(none, []);
    await expectOktaError(() => devices.listDevices({ search: 'profile.displayName eq' }).then(collect),
      { status: 400, errorCode: 'E0000031', what: 'a malformed search' });
  });

  it('listDevices pages with limit and after', async () => {
    await enrolledDevice('devpage1');
    await enrolledDevice('devpage2');
    const all = await collect(await devices.listDevices());
    const paged = await collect(await devices.listDevices({ limit: 1 }));
    assert.deepEqual(paged.map((d) => d.id), all.map((d) => d.id), 'limit=1 walks every page in the same order');
    const pageUrls = sdk.exchanges.filter((e) => e.url.includes('/api/v1/devices?') && e.url.includes('limit=1'));
    assert.ok(pageUrls.length >= all.length, `the SDK followed the next links (${pageUrls.length} pages)`);
    assert.ok(pageUrls.slice(1).every((e) => new URL(e.url).searchParams.get('after')), 'later pages carry after');
  });

  it('listDeviceUsers lists each person who enrolled on the device', async () => {
    const first = await enrolledDevice('devusr1');
    const secondUser = await newUser('devusr2');
    // The same app install (clientInstanceId) enrolling a second person: the same device, a second link.
    const second = await enrollDevice(server, { login: secondUser.profile.login, password: PASSWORD, clientInstanceId: first.device.clientInstanceId });
    assert.equal(second.deviceId, first.device.deviceId);

    const users = await collect(await devices.listDeviceUsers({ deviceId: first.device.deviceId }));
    assert.equal(sdk.last().url, `${server.url}/api/v1/devices/${first.device.deviceId}/users`);
    assert.deepEqual(users.map((u) => u.user.id), [first.user.id, secondUser.id], 'oldest link first');
    for (const u of users) {
      assert.equal(u.managementStatus, 'NOT_MANAGED');
      assert.equal(u.screenLockType, 'NONE');
      assertIsoMillis(u.created, 'DeviceUser created');
      assert.equal(u.user._links?.self?.href, `${server.url}/api/v1/users/${u.user.id}`);
    }
    assertAllExchangesWellFormed(sdk.exchanges);
  });
});

describe('deviceApi lifecycle', { timeout: 60_000 }, () => {
  it('suspend refuses the device and its factors until unsuspend; the status rules are 400 E0000001', async () => {
    const { user, device } = await enrolledDevice('devsusp');
    const factors = sdk.client.userFactorApi;
    const pushId = device.methodId('push');
    const deviceId = device.deviceId;

    await devices.suspendDevice({ deviceId });
    assert.equal(sdk.last().url, `${server.url}/api/v1/devices/${deviceId}/lifecycle/suspend`);
    assert.equal(sdk.last().method, 'POST');
    assert.equal(sdk.last().status, 204);
    const suspended = await devices.getDevice({ deviceId });
    assert.equal(suspended.status, 'SUSPENDED');
    assert.deepEqual(linkNames(suspended), ['deactivate', 'self', 'unsuspend', 'users']);

    // The factors stay enrolled but are refused, in the API and in the device's channel.
    await expectOktaError(() => factors.verifyFactor({ userId: user.id, factorId: pushId }),
      { status: 410, errorCode: 'E0000154', what: 'a push to a suspended device' });
    await expectChannelRefusal(() => device.pending(), { status: 403, errorCode: 'E0000006', cause: 'device_suspended', what: 'the suspended device polls' });
    assert.ok((await collect(await factors.listFactors({ userId: user.id }))).some((f) => f.id === pushId), 'suspension is not destructive');

    await devices.suspendDevice({ deviceId });
    assert.equal(sdk.last().status, 204, 'suspending a suspended device changes nothing');
    await expectOktaError(() => devices.activateDevice({ deviceId }), { status: 400, errorCode: 'E0000001', what: 'activate a SUSPENDED device' });
    await expectOktaError(() => devices.deleteDevice({ deviceId }), { status: 400, errorCode: 'E0000001', what: 'delete a SUSPENDED device' });

    await devices.unsuspendDevice({ deviceId });
    assert.equal(sdk.last().url, `${server.url}/api/v1/devices/${deviceId}/lifecycle/unsuspend`);
    assert.equal(sdk.last().status, 204);
    assert.equal((await devices.getDevice({ deviceId })).status, 'ACTIVE');
    await expectOktaError(() => devices.unsuspendDevice({ deviceId }), { status: 400, errorCode: 'E0000001', what: 'unsuspend an ACTIVE device' });
    await expectOktaError(() => devices.deleteDevice({ deviceId }), { status: 400, errorCode: 'E0000001', what: 'delete an ACTIVE device' });

    // Usable again: a push reaches the device and is approved.
    const sent = await factors.verifyFactor({ userId: user.id, factorId: pushId });
    assert.equal(sent.factorResult, 'WAITING');
    const push = await device.waitFor(sent._links.poll.href.split('/').pop());
    assert.equal(await device.answer(push, { approve: true, number: sent._embedded?.challenge?.correctAnswer }), 'SUCCESS');
  });

  it('deactivate destroys the factors and user links, activate restores the device only, delete needs DEACTIVATED', async () => {
    const { user, device } = await enrolledDevice('devdeact');
    const factors = sdk.client.userFactorApi;
    const deviceId = device.deviceId;
    const enrolledIds = ['push', 'signed_nonce', 'totp'].map((t) => device.methodId(t));
    const before = (await collect(await factors.listFactors({ userId: user.id }))).map((f) => f.id);
    assert.deepEqual(before.filter((id) => enrolledIds.includes(id)).sort(), [...enrolledIds].sort(), 'the enrollment made three factors');

    await devices.deactivateDevice({ deviceId });
    assert.equal(sdk.last().url, `${server.url}/api/v1/devices/${deviceId}/lifecycle/deactivate`);
    assert.equal(sdk.last().status, 204);
    const deactivated = await devices.getDevice({ deviceId });
    assert.equal(deactivated.status, 'DEACTIVATED');
    assert.deepEqual(linkNames(deactivated), ['activate', 'self', 'users']);
    const after = (await collect(await factors.listFactors({ userId: user.id }))).map((f) => f.id);
    assert.deepEqual(after.filter((id) => enrolledIds.includes(id)), [], 'the device factors are gone');
    assert.deepEqual(await collect(await devices.listDeviceUsers({ deviceId })), [], 'the user links are gone');
    await expectChannelRefusal(() => device.pending(), { status: 401, errorCode: 'E0000011', cause: 'enrollment_not_found', what: 'the deactivated device polls' });
    await devices.deactivateDevice({ deviceId });
    assert.equal(sdk.last().status, 204, 'deactivating a deactivated device changes nothing');
    await expectOktaError(() => devices.suspendDevice({ deviceId }), { status: 400, errorCode: 'E0000001', what: 'suspend a DEACTIVATED device' });

    await devices.activateDevice({ deviceId });
    assert.equal(sdk.last().url, `${server.url}/api/v1/devices/${deviceId}/lifecycle/activate`);
    assert.equal(sdk.last().status, 204);
    assert.equal((await devices.getDevice({ deviceId })).status, 'ACTIVE');
    assert.deepEqual(await collect(await devices.listDeviceUsers({ deviceId })), [], 'activation brings no factors or links back');
    await expectOktaError(() => devices.deleteDevice({ deviceId }), { status: 400, errorCode: 'E0000001', what: 'delete a reactivated device' });

    await devices.deactivateDevice({ deviceId });
    await devices.deleteDevice({ deviceId });
    assert.equal(sdk.last().method, 'DELETE');
    assert.equal(sdk.last().url, `${server.url}/api/v1/devices/${deviceId}`);
    assert.equal(sdk.last().status, 204);
    await expectOktaError(() => devices.getDevice({ deviceId }), { status: 404, errorCode: 'E0000007', what: 'a deleted device' });
    assert.ok(!(await collect(await devices.listDevices())).some((d) => d.id === deviceId), 'a deleted device is not listed');
    assertAllExchangesWellFormed(sdk.exchanges);
  });

  it('an unknown device id is 404 E0000007 for every operation', async () => {
    const deviceId = 'guoNoSuchDevice00000';
    for (const [name, call] of [
      ['getDevice', () => devices.getDevice({ deviceId })],
      ['listDeviceUsers', () => devices.listDeviceUsers({ deviceId }).then(collect)],
      ['activateDevice', () => devices.activateDevice({ deviceId })],
      ['deactivateDevice', () => devices.deactivateDevice({ deviceId })],
      ['suspendDevice', () => devices.suspendDevice({ deviceId })],
      ['unsuspendDevice', () => devices.unsuspendDevice({ deviceId })],
      ['deleteDevice', () => devices.deleteDevice({ deviceId })],
    ]) {
      const error = await expectOktaError(call, { status: 404, errorCode: 'E0000007', what: name });
      assert.match(error.errorSummary, new RegExp(deviceId), `${name}: the summary names the id`);
    }
  });
});
