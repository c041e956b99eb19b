// Registered vs Managed through the official SDK's deviceApi (okta-api.md §7.1, SCENARIOS.md B): the real authenticator
// app (the latchkey-verify executable, run as a person runs it) enrolls, installs the certificate an MDM would and signs
// in with FastPass, which makes the device MANAGED for its user; listDevices (search, expand=user), getDevice and
// listDeviceUsers show it in the spec's shapes (Device, DeviceProfile.registered, DeviceUser.managementStatus). For a
// device that is not managed the same endpoints carry Latchkey's extra `managementStatusReason` (the SDK's DeviceUser
// model has no such member and drops it, as clients ignore unknown members), read here from the raw answer.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { enrollDevice } from '../lib/device.mjs';
import { useServer } from '../lib/harness.mjs';
import { REPO_ROOT } from '../lib/server.mjs';
import { PASSWORD, assertAllExchangesWellFormed, assertId, assertIsoMillis, collect, profile, raw, uniq } from '../lib/okta.mjs';

let server;
let sdk;
let devices;

useServer({}, (s, k) => {
  server = s;
  sdk = k;
  devices = sdk.client.deviceApi;
});

const VERIFY_DLL = process.env.LATCHKEY_VERIFY_DLL ?? join(REPO_ROOT, 'src', 'Latchkey.Verify', 'bin', 'Release', 'net10.0', 'latchkey-verify.dll');
const homes = mkdtempSync(join(tmpdir(), 'latchkey-compat-verify-'));
after(() => rmSync(homes, { recursive: true, force: true }));

/** Runs latchkey-verify with `args` (and `input` on stdin): its exit code and output. */
function verify(args, input = '') {
  assert.ok(existsSync(VERIFY_DLL), `latchkey-verify is built at ${VERIFY_DLL} (dotnet build -c Release src/Latchkey.Verify, or set LATCHKEY_VERIFY_DLL)`);
  return new Promise((resolve, reject) => {
    const child = spawn('dotnet', [VERIFY_DLL, ...args], { env: { ...process.env, DOTNET_NOLOGO: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
    const timer = setTimeout(() => child.kill(), 60_000);
    child.once('error', reject);
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, out, err }); });
    child.stdin.end(input);
  });
}

async function verifyOk(args, input = '') {
  const run = await verify(args, input);
  assert.equal(run.code, 0, `latchkey-verify ${args[0]} ${args[1] ?? ''}: exit ${run.code}\n${run.out}\n${run.err}`);
  return run.out;
}

const newUser = (tag) => sdk.client.userApi.createUser({
  body: { profile: profile(tag), credentials: { password: { value: PASSWORD } } }, activate: true,
});

/** A person with the authenticator app enrolled on "this computer" (a home of its own): the user, the home and the device name. */
async function appEnrolled(tag) {
  const user = await newUser(tag);
  const home = join(homes, `${tag}-${uniq()}`);
  const name = `${tag}-${uniq()}`;
  await verifyOk(['enroll', '--org', server.url, '--user', user.profile.login, '--password-stdin', '--home', home, '--name', name], `${PASSWORD}\n`);
  return { user, home, name };
}

/** The device found by its display name with listDevices(search, expand=user): the Device and its one DeviceUser. */
async function findDevice(displayName) {
  const search = `profile.displayName eq "${displayName}"`;
  const found = await collect(await devices.listDevices({ search, expand: 'user' }));
  const url = new URL(sdk.last().url);
  assert.equal(url.pathname, '/api/v1/devices');
  assert.equal(url.searchParams.get('search'), search);
  assert.equal(url.searchParams.get('expand'), 'user');
  assert.equal(found.length, 1, `one device is named ${displayName}`);
  assert.equal(found[0]._embedded.users.length, 1, 'one person enrolled on it');
  return { device: found[0], link: found[0]._embedded.users[0] };
}

/** The same search answered raw: the DeviceUser as sent, with the members the SDK's model drops. */
async function rawLink(displayName) {
  const res = await raw(server, `/api/v1/devices?search=${encodeURIComponent(`profile.displayName eq "${displayName}"`)}&expand=user`);
  assert.equal(res.status, 200, res.text);
  return res.json[0]._embedded.users[0];
}

/** The DeviceUser members the management spec defines (management-minimal.yaml DeviceUser), plus Latchkey's extra when not managed. */
const DEVICE_USER_KEYS = ['created', 'managementStatus', 'screenLockType', 'user'];

const date = (iso) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

describe('deviceApi: Registered vs Managed', { timeout: 180_000 }, () => {
  it('a device that proved management at a FastPass sign-in reads MANAGED, and one that did not says why not', async () => {
    // Before any integration: registered, not managed, and no integration for its platform.
    const managed = await appEnrolled('mgd');
    let { device, link } = await findDevice(managed.name);
    const platform = device.profile.platform;
    assert.equal(device.profile.registered, true, 'enrollment registers the device');
    assert.equal(link.managementStatus, 'NOT_MANAGED', 'enrollment alone never makes a device managed');
    assert.equal((await rawLink(managed.name)).managementStatusReason, `no device integration for ${platform}`);

    const integration = await raw(server, '/api/v1/device-integrations', {
      method: 'POST', body: { name: `Compat MDM ${uniq()}`, platform, type: 'MDM_CERTIFICATE' },
    });
    assert.equal(integration.status, 200, integration.text);
    const since = `no FastPass sign-in since the device integration ${integration.json.name} was created on ${date(integration.json.created)}`;
    assert.equal((await rawLink(managed.name)).managementStatusReason, since);

    // A device whose app never signed in with FastPass (the Node app of lib/device.mjs) says the same.
    const other = await newUser('jsdev');
    const jsName = `jsdev-${uniq()}`;
    await enrollDevice(server, { login: other.profile.login, password: PASSWORD, displayName: jsName, platform });
    assert.equal((await rawLink(jsName)).managementStatusReason, since);

    // FastPass without the MDM's certificate: still NOT_MANAGED, now because no proof came with the sign-in.
    const unmanaged = await appEnrolled('unmgd');
    await verifyOk(['signin', '--home', unmanaged.home]);
    const refused = await rawLink(unmanaged.name);
    assert.equal(refused.managementStatus, 'NOT_MANAGED');
    assert.match(refused.managementStatusReason, /^no management proof presented at the FastPass sign-in on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    assert.deepEqual(Object.keys(refused).sort(), [...DEVICE_USER_KEYS, 'managementStatusReason'].sort());
    const refusedLink = (await findDevice(unmanaged.name)).link;
    assert.equal(refusedLink.managementStatus, 'NOT_MANAGED');
    assert.equal(refusedLink.managementStatusReason, undefined, "the SDK's DeviceUser has no managementStatusReason: it is dropped, nothing breaks");

    // The MDM's certificate profile: the app's CSR, the certificate the integration issues, installed; then FastPass.
    const csr = await verifyOk(['mdm', 'csr', '--home', managed.home]);
    const issued = await raw(server, `/api/v1/device-integrations/${integration.json.id}/certificates`, { method: 'POST', body: { csr } });
    assert.equal(issued.status, 200, issued.text);
    const pem = join(managed.home, 'management.pem');
    writeFileSync(pem, issued.json.certificate);
    await verifyOk(['mdm', 'install', '--cert', pem, '--home', managed.home]);
    await verifyOk(['signin', '--home', managed.home]);

    ({ device, link } = await findDevice(managed.name));
    assert.equal(link.managementStatus, 'MANAGED');
    assert.equal(link.user.id, managed.user.id);
    assert.equal(link.user.profile.login, managed.user.profile.login);
    assertIsoMillis(link.created, 'DeviceUser created');
    const sent = await rawLink(managed.name);
    assert.deepEqual(Object.keys(sent).sort(), [...DEVICE_USER_KEYS].sort(), 'a MANAGED link has no managementStatusReason');

    const fetched = await devices.getDevice({ deviceId: device.id });
    assert.equal(sdk.last().url, `${server.url}/api/v1/devices/${device.id}`);
    assertId(fetched.id, 'guo', 'device id');
    assert.equal(fetched.status, 'ACTIVE');
    assert.equal(fetched.profile.displayName, managed.name);
    assert.equal(fetched.profile.platform, platform);
    assert.equal(fetched.profile.registered, true);
    assert.notEqual(fetched.profile.managed, false, 'a managed device never reads managed: false');
    assert.equal(fetched.resourceType, 'UDDevice');

    const users = await collect(await devices.listDeviceUsers({ deviceId: device.id }));
    assert.deepEqual(users.map((u) => [u.user.id, u.managementStatus]), [[managed.user.id, 'MANAGED']]);
    const unmanagedUsers = await collect(await devices.listDeviceUsers({ deviceId: (await findDevice(unmanaged.name)).device.id }));
    assert.deepEqual(unmanagedUsers.map((u) => [u.user.id, u.managementStatus]), [[unmanaged.user.id, 'NOT_MANAGED']]);

    // The user's devices (UserApi.listUserDevices): the same status on the link.
    const userDevices = await raw(server, `/api/v1/users/${managed.user.id}/devices`);
    assert.deepEqual(userDevices.json.map((d) => [d.device.id, d.managementStatus, d.managementStatusReason]), [[device.id, 'MANAGED', undefined]]);
    assertAllExchangesWellFormed(sdk.exchanges);
  });

  it('a device cannot claim to be managed: what it reports at enrollment is not the management status', async () => {
    const user = await newUser('claims');
    const displayName = `claims-${uniq()}`;
    await enrollDevice(server, { login: user.profile.login, password: PASSWORD, displayName, extra: { managed: true } });
    const { device, link } = await findDevice(displayName);
    assert.equal(link.managementStatus, 'NOT_MANAGED');
    assert.notEqual(device.profile.managed, true, `the device's own claim is not shown as managed (profile: ${JSON.stringify(device.profile)})`);
  });
});
