// The README's run command on a new machine: the embedded default (SQLite under ./data), the demo org,
// and a banner that says where to go and gives the admin sign-in and an API token that works.
// This file always tests the embedded default, whatever database the other files use.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import okta from '@okta/okta-sdk-nodejs';
import { freePort, serverDll } from '../lib/server.mjs';

const work = mkdtempSync(join(tmpdir(), 'latchkey-first-start-'));
let child;

after(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** Starts the server as a newcomer would: no Latchkey settings at all, in an empty working directory. */
async function startFresh(port) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(Latchkey__|ASPNETCORE_URLS$|Urls$)/i.test(k)));
  env.Urls = `http://127.0.0.1:${port}`;
  child = spawn('dotnet', [serverDll()], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { out += d; });
  const deadline = Date.now() + 60_000;
  while (!/API token:\s+\S+/.test(out) || !/Latchkey is running at/.test(out)) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) throw new Error(`no start banner within 60 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return out;
}

describe('first start with no configuration', { timeout: 90_000 }, () => {
  it('creates ./data, prints the URL, the admin sign-in and a working API token, and seeds the demo org', async () => {
    const port = await freePort();
    const banner = await startFresh(port);
    const url = `http://127.0.0.1:${port}`;
    assert.match(banner, new RegExp(`Latchkey is running at ${url.replace(/\./g, '\\.')}`));
    assert.match(banner, /Admin sign-in:\s+admin@example\.com/);
    assert.match(banner, /Admin password:\s+\S{8,}/);
    const adminPassword = banner.match(/Admin password:\s+(\S+)/)[1];
    const demoPasswords = Object.fromEntries([...banner.matchAll(/^\s+(?:Demo users:\s+)?(alice|bob|carol)@example\.com\s+(\S{8,})\s*$/gm)]
      .map((m) => [m[1], m[2]]));
    assert.deepEqual(Object.keys(demoPasswords).sort(), ['alice', 'bob', 'carol'], `a password for each active demo user:\n${banner}`);
    const passwords = [adminPassword, ...Object.values(demoPasswords)];
    assert.equal(new Set(passwords).size, passwords.length, 'each demo user has a password of their own, not the admin\'s');
    assert.ok(existsSync(join(work, 'data', 'latchkey.db')), 'the SQLite database is under ./data of the working directory');

    const token = banner.match(/API token:\s+(\S+)/)[1];
    const client = new okta.Client({ orgUrl: url, token, cacheMiddleware: null });
    const logins = [];
    for await (const user of await client.userApi.listUsers({})) logins.push(user.profile.login);
    for (const demo of ['admin@example.com', 'alice@example.com', 'bob@example.com', 'carol@example.com']) {
      assert.ok(logins.includes(demo), `${demo} is in the demo org (got ${logins.join(', ')})`);
    }

    const groups = [];
    for await (const group of await client.groupApi.listGroups({})) groups.push(group.profile.name);
    assert.deepEqual(['Engineering', 'Everyone', 'Sales'], groups.sort());

    const apps = [];
    for await (const app of await client.applicationApi.listApplications({})) apps.push(app);
    assert.equal(apps.length, 1);
    assert.equal(apps[0].signOnMode, 'BOOKMARK');

    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', (c) => r(c)));
    assert.equal(code, 0, 'SIGTERM shuts the server down cleanly');
  });
});
