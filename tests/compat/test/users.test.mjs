// Users API through the official SDK (okta-api.md §0.2, §0.3, §0.6, §2).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useServer, once } from '../lib/harness.mjs';
import {
  PASSWORD, assertAllExchangesWellFormed, assertId, assertIsoMillis, collect, expectOktaError,
  parseLinks, profile, raw, uniq,
} from '../lib/okta.mjs';

let server;
let sdk;
let users;

useServer({}, (s, k) => {
  server = s;
  sdk = k;
  users = sdk.client.userApi;
});

async function createActive(tag, extra = {}) {
  return users.createUser({ body: { profile: profile(tag, extra), credentials: { password: { value: PASSWORD } } }, activate: true });
}

describe('create', { timeout: 30_000 }, () => {
  it('with a password and activate=true gives ACTIVE', async () => {
    const p = profile('ada');
    const user = await users.createUser({ body: { profile: p, credentials: { password: { value: PASSWORD } } }, activate: true });
    assert.equal(sdk.last().status, 200, 'POST /api/v1/users answers 200');
    assert.equal(sdk.last().method, 'POST');
    assertId(user.id, '00u', 'user id');
    assert.equal(user.status, 'ACTIVE');
    assert.equal(user.profile.login, p.login);
    assert.equal(user.profile.email, p.email);
    assert.equal(user.profile.firstName, p.firstName);
    assert.equal(user.profile.lastName, p.lastName);
    assert.ok(user.created instanceof Date && !Number.isNaN(user.created.getTime()), 'created is a date');
    assert.ok(user.activated instanceof Date, 'activated is set for an ACTIVE user');
    assert.equal(user.credentials?.provider?.type, 'OKTA', 'credentials.provider.type');
    assert.equal(user._links?.self?.href, `${server.url}/api/v1/users/${user.id}`, '_links.self.href');
  });

  it('without a password and activate=true gives PROVISIONED', async () => {
    const user = await users.createUser({ body: { profile: profile('grace') }, activate: true });
    assert.equal(user.status, 'PROVISIONED');
  });

  it('with activate=false gives STAGED, with or without a password', async () => {
    const staged = await users.createUser({ body: { profile: profile('linus') }, activate: false });
    assert.equal(staged.status, 'STAGED');
    assert.ok(sdk.last().url.includes('activate=false'), 'the SDK sent activate=false');
    const stagedWithPassword = await users.createUser({
      body: { profile: profile('ken'), credentials: { password: { value: PASSWORD } } }, activate: false,
    });
    assert.equal(stagedWithPassword.status, 'STAGED');
  });

  it('without activate defaults to activating (ACTIVE with a password)', async () => {
    const user = await users.createUser({ body: { profile: profile('dflt'), credentials: { password: { value: PASSWORD } } } });
    assert.equal(user.status, 'ACTIVE');
  });

  it('never returns the password value, but shows that one exists', async () => {
    const user = await createActive('secret');
    const res = await raw(server, `/api/v1/users/${user.id}`);
    assert.equal(res.status, 200);
    assert.ok(!res.text.includes(PASSWORD), 'response must not contain the password');
    assert.deepEqual(res.json.credentials?.password, {}, 'credentials.password is {} when a password exists');
  });

  it('keeps custom profile attributes', async () => {
    const user = await createActive('custom', { department: 'R&D', nickName: 'Nick' });
    const fetched = await users.getUser({ userId: user.id });
    assert.equal(fetched.profile.department, 'R&D');
    assert.equal(fetched.profile.nickName, 'Nick');
  });

  it('raw wire format: ISO dates with milliseconds, nulls or absence for unset dates', async () => {
    const res = await raw(server, '/api/v1/users?activate=false', { method: 'POST', body: { profile: profile('wire') } });
    assert.equal(res.status, 200, res.text);
    const u = res.json;
    assertIsoMillis(u.created, 'created');
    assertIsoMillis(u.lastUpdated, 'lastUpdated');
    assert.ok(u.activated === null || u.activated === undefined, `activated is null/absent for STAGED (got ${u.activated})`);
    assert.equal(u._links?.self?.href, `${server.url}/api/v1/users/${u.id}`);
    assert.ok(u._links?.activate?.href, 'a STAGED user has an activate link');
  });
});

describe('get', { timeout: 30_000 }, () => {
  it('by id, with ETag, self link equal to the URL the SDK called', async () => {
    const user = await createActive('getid');
    const fetched = await users.getUser({ userId: user.id });
    const ex = sdk.last();
    assert.equal(ex.method, 'GET');
    assert.equal(ex.status, 200);
    assert.equal(fetched.id, user.id);
    assert.equal(fetched._links.self.href, ex.url, '_links.self.href equals the absolute URL the SDK called');
    assert.ok(ex.headers.etag, 'GET /api/v1/users/{id} returns an ETag header');
  });

  it('by login', async () => {
    const user = await createActive('bylogin');
    const fetched = await users.getUser({ userId: user.profile.login });
    assert.equal(fetched.id, user.id);
    assert.equal(fetched._links.self.href, `${server.url}/api/v1/users/${user.id}`,
      'self link is the canonical id URL even when fetched by login');
  });

  it('unknown id gives 404 E0000007', async () => {
    const e = await expectOktaError(users.getUser({ userId: '00u' + 'x'.repeat(17) }), { status: 404, errorCode: 'E0000007' });
    assert.match(e.errorSummary, /^Not found: /);
  });

  it('unknown login gives 404 E0000007', async () => {
    await expectOktaError(users.getUser({ userId: `nobody.${uniq()}@example.com` }), { status: 404, errorCode: 'E0000007' });
  });
});

describe('update and replace', { timeout: 30_000 }, () => {
  it('updateUser (POST) merges the profile', async () => {
    const user = await createActive('upd', { nickName: 'Before', title: 'Engineer' });
    const updated = await users.updateUser({ userId: user.id, user: { profile: { nickName: 'After' } } });
    assert.equal(sdk.last().method, 'POST');
    assert.equal(sdk.last().url, `${server.url}/api/v1/users/${user.id}`);
    assert.equal(updated.profile.nickName, 'After');
    assert.equal(updated.profile.title, 'Engineer', 'attributes not sent are kept by a partial update');
    assert.equal(updated.profile.login, user.profile.login);
    assert.equal(updated.profile.firstName, user.profile.firstName);
    const fetched = await users.getUser({ userId: user.id });
    assert.equal(fetched.profile.nickName, 'After');
    assert.ok(fetched.lastUpdated.getTime() >= user.lastUpdated.getTime(), 'lastUpdated moves forward');
  });

  it('replaceUser (PUT) removes attributes that were left out', async () => {
    const user = await createActive('repl', { nickName: 'Gone', title: 'Engineer' });
    const p = { login: user.profile.login, email: user.profile.email, firstName: 'Replaced', lastName: user.profile.lastName, title: 'Lead' };
    const replaced = await users.replaceUser({ userId: user.id, user: { profile: p } });
    assert.equal(sdk.last().method, 'PUT');
    assert.equal(replaced.profile.firstName, 'Replaced');
    assert.equal(replaced.profile.title, 'Lead');
    assert.ok(replaced.profile.nickName === undefined || replaced.profile.nickName === null,
      `nickName left out of a PUT is removed (got ${replaced.profile.nickName})`);
    const fetched = await users.getUser({ userId: user.id });
    assert.ok(fetched.profile.nickName === undefined || fetched.profile.nickName === null);
    assert.equal(fetched.status, 'ACTIVE', 'replacing the profile keeps the status');
  });

  it('updateUser with ifMatch applies only to the version read (stale ETag: 412 E0000231)', async () => {
    const user = await createActive('etag');
    await users.getUser({ userId: user.id });
    const etag = sdk.last().headers.etag;
    assert.ok(etag, 'getUser answers with an ETag');
    const updated = await users.updateUser({ userId: user.id, user: { profile: { nickName: 'First' } }, ifMatch: etag });
    assert.equal(updated.profile.nickName, 'First');
    assert.equal(sdk.last().requestHeaders['If-Match'] ?? sdk.last().requestHeaders['if-match'], etag, 'the SDK sent If-Match');
    await expectOktaError(users.updateUser({ userId: user.id, user: { profile: { nickName: 'Lost' } }, ifMatch: etag }),
      { status: 412, errorCode: 'E0000231' });
    assert.equal((await users.getUser({ userId: user.id })).profile.nickName, 'First', 'the stale update changed nothing');
  });

  it('update with an invalid email gives 400 E0000001 naming the field', async () => {
    const user = await createActive('badupd');
    const e = await expectOktaError(users.updateUser({ userId: user.id, user: { profile: { email: 'not-an-email' } } }),
      { status: 400, errorCode: 'E0000001' });
    assert.ok(e.errorCauses.some((c) => /^email: /.test(c.errorSummary)),
      `a cause names email: ${JSON.stringify(e.errorCauses)}`);
  });
});

describe('lifecycle', { timeout: 30_000 }, () => {
  it('activate a STAGED user (sendEmail=false) gives an activation token; the user becomes ACTIVE', async () => {
    const user = await users.createUser({ body: { profile: profile('act'), credentials: { password: { value: PASSWORD } } }, activate: false });
    const token = await users.activateUser({ userId: user.id, sendEmail: false });
    const ex = sdk.last();
    assert.equal(ex.method, 'POST');
    assert.equal(ex.url, `${server.url}/api/v1/users/${user.id}/lifecycle/activate?sendEmail=false`);
    assert.equal(ex.status, 200);
    assert.equal(typeof token.activationToken, 'string', 'activationToken');
    assert.equal(typeof token.activationUrl, 'string', 'activationUrl');
    const fetched = await users.getUser({ userId: user.id });
    assert.equal(fetched.status, 'ACTIVE');
  });

  it('activate a STAGED user without a password gives PROVISIONED', async () => {
    const user = await users.createUser({ body: { profile: profile('actnp') }, activate: false });
    await users.activateUser({ userId: user.id, sendEmail: false });
    assert.equal((await users.getUser({ userId: user.id })).status, 'PROVISIONED');
  });

  it('activate an ACTIVE user gives 403 E0000016', async () => {
    const user = await createActive('act2');
    await expectOktaError(users.activateUser({ userId: user.id, sendEmail: false }), { status: 403, errorCode: 'E0000016' });
  });

  it('suspend / unsuspend an ACTIVE user', async () => {
    const user = await createActive('susp');
    await users.suspendUser({ userId: user.id });
    assert.equal(sdk.last().status, 200);
    assert.equal(sdk.last().url, `${server.url}/api/v1/users/${user.id}/lifecycle/suspend`);
    assert.equal((await users.getUser({ userId: user.id })).status, 'SUSPENDED');
    await expectOktaError(users.suspendUser({ userId: user.id }), { status: 400, errorCode: 'E0000001', what: 'suspend SUSPENDED' });
    await users.unsuspendUser({ userId: user.id });
    assert.equal(sdk.last().status, 200);
    assert.equal((await users.getUser({ userId: user.id })).status, 'ACTIVE');
  });

  it('suspend a user who is not ACTIVE gives 400 E0000001', async () => {
    const user = await users.createUser({ body: { profile: profile('suspst') }, activate: false });
    await expectOktaError(users.suspendUser({ userId: user.id }), { status: 400, errorCode: 'E0000001' });
    assert.equal((await users.getUser({ userId: user.id })).status, 'STAGED', 'status unchanged');
  });

  it('unsuspend a user who is not SUSPENDED gives 400 E0000001', async () => {
    const user = await createActive('unsusp');
    await expectOktaError(users.unsuspendUser({ userId: user.id }), { status: 400, errorCode: 'E0000001' });
    assert.equal((await users.getUser({ userId: user.id })).status, 'ACTIVE', 'status unchanged');
  });

  it('unlock a user who is not locked gives 403 E0000032', async () => {
    const user = await createActive('unlock');
    const e = await expectOktaError(users.unlockUser({ userId: user.id }), { status: 403, errorCode: 'E0000032' });
    assert.equal(e.errorSummary, 'Unlock is not allowed for this user.');
  });

  it('deactivate, then activate again from DEPROVISIONED', async () => {
    const user = await createActive('deact');
    await users.deactivateUser({ userId: user.id });
    assert.equal(sdk.last().status, 200);
    assert.equal(sdk.last().url, `${server.url}/api/v1/users/${user.id}/lifecycle/deactivate`);
    assert.equal((await users.getUser({ userId: user.id })).status, 'DEPROVISIONED');
    await users.activateUser({ userId: user.id, sendEmail: false });
    assert.equal((await users.getUser({ userId: user.id })).status, 'ACTIVE');
  });

  it('lifecycle on an unknown user gives 404 E0000007', async () => {
    await expectOktaError(users.suspendUser({ userId: '00u' + 'y'.repeat(17) }), { status: 404, errorCode: 'E0000007' });
  });
});

describe('expire password with a temporary password', { timeout: 30_000 }, () => {
  it('expirePasswordAndGetTemporaryPassword gives the user in PASSWORD_EXPIRED; the raw answer carries the temporary password', async () => {
    const user = await createActive('temp');
    const expired = await users.expirePasswordAndGetTemporaryPassword({ userId: user.id });
    assert.equal(sdk.last().url, `${server.url}/api/v1/users/${user.id}/lifecycle/expire_password_with_temp_password`);
    assert.equal(expired.status, 'PASSWORD_EXPIRED');
    const other = await createActive('temp2');
    const res = await raw(server, `/api/v1/users/${other.id}/lifecycle/expire_password_with_temp_password`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.equal(typeof res.json.tempPassword, 'string');
    assert.ok(res.json.tempPassword.length >= 8, 'the temporary password meets the policy length');
  });
});

describe('credentials: change password, recovery question, forgot password', { timeout: 30_000 }, () => {
  const NEW_PASSWORD = 'Kp4nWs8Tzq';
  const QUESTION = 'Which city were you born in?';

  it('changePassword with the current password answers UserCredentials and moves passwordChanged on', async () => {
    const user = await createActive('chpw');
    await new Promise((r) => setTimeout(r, 5));
    const credentials = await users.changePassword({
      userId: user.id,
      changePasswordRequest: { oldPassword: { value: PASSWORD }, newPassword: { value: NEW_PASSWORD }, revokeSessions: true },
    });
    const ex = sdk.last();
    assert.equal(ex.method, 'POST');
    assert.equal(ex.url, `${server.url}/api/v1/users/${user.id}/credentials/change_password`);
    assert.equal(ex.status, 200);
    assert.ok(credentials.password, 'password: {} says that one exists');
    assert.equal(credentials.password.value, undefined, 'never its value');
    assert.equal(credentials.provider?.type, 'OKTA');
    const after = await users.getUser({ userId: user.id });
    assert.ok(after.passwordChanged > user.passwordChanged, 'passwordChanged moved on');

    await users.changePassword({ userId: user.id, strict: true,
      changePasswordRequest: { oldPassword: { value: NEW_PASSWORD }, newPassword: { value: `${NEW_PASSWORD}x` } } });
    assert.equal(new URL(sdk.last().url).searchParams.get('strict'), 'true', 'the SDK sent strict as a query parameter');
  });

  it('changePassword with a wrong old password or a weak new one is 403 E0000014 with a cause', async () => {
    const user = await createActive('chpwbad');
    const wrong = await expectOktaError(users.changePassword({ userId: user.id,
      changePasswordRequest: { oldPassword: { value: 'Wrong1Password' }, newPassword: { value: NEW_PASSWORD } } }),
    { status: 403, errorCode: 'E0000014' });
    assert.equal(wrong.errorSummary, 'Update of credentials failed');
    assert.deepEqual(wrong.errorCauses.map((c) => c.errorSummary), ['Old Password is not correct']);
    const weak = await expectOktaError(users.changePassword({ userId: user.id,
      changePasswordRequest: { oldPassword: { value: PASSWORD }, newPassword: { value: 'weak' } } }),
    { status: 403, errorCode: 'E0000014' });
    assert.match(weak.errorCauses[0]?.errorSummary ?? '', /^password: Password requirements were not met\./);
  });

  it('changeRecoveryQuestion confirms with the password and echoes the question, never the answer', async () => {
    const user = await createActive('chrq');
    const credentials = await users.changeRecoveryQuestion({ userId: user.id,
      userCredentials: { password: { value: PASSWORD }, recovery_question: { question: QUESTION, answer: 'Lower Hutt' } } });
    assert.equal(sdk.last().url, `${server.url}/api/v1/users/${user.id}/credentials/change_recovery_question`);
    assert.equal(credentials.recovery_question?.question, QUESTION);
    assert.equal(credentials.recovery_question?.answer, undefined);
    await expectOktaError(users.changeRecoveryQuestion({ userId: user.id,
      userCredentials: { password: { value: 'Wrong1Password' }, recovery_question: { question: QUESTION, answer: 'Lower Hutt' } } }),
    { status: 403, errorCode: 'E0000014' });
  });

  it('forgotPassword with sendEmail=false gives a resetPasswordUrl; without a recovery question 403 E0000034', async () => {
    const user = await createActive('fgpw');
    await expectOktaError(users.forgotPassword({ userId: user.id, sendEmail: false }), { status: 403, errorCode: 'E0000034' });
    await users.changeRecoveryQuestion({ userId: user.id,
      userCredentials: { password: { value: PASSWORD }, recovery_question: { question: QUESTION, answer: 'Lower Hutt' } } });
    const link = await users.forgotPassword({ userId: user.id, sendEmail: false });
    assert.equal(sdk.last().url, `${server.url}/api/v1/users/${user.id}/credentials/forgot_password?sendEmail=false`);
    assert.ok(new URL(link.resetPasswordUrl).pathname.startsWith('/signin/reset-password/'), link.resetPasswordUrl);
    assert.equal((await users.getUser({ userId: user.id })).status, 'ACTIVE', 'the status does not change');
  });

  it('forgotPasswordSetNewPassword with the right answer sets the password; a wrong answer is 403 E0000087', async () => {
    const user = await createActive('fgrq');
    await users.changeRecoveryQuestion({ userId: user.id,
      userCredentials: { password: { value: PASSWORD }, recovery_question: { question: QUESTION, answer: 'Lower Hutt' } } });
    await expectOktaError(users.forgotPasswordSetNewPassword({ userId: user.id, sendEmail: false,
      userCredentials: { password: { value: NEW_PASSWORD }, recovery_question: { answer: 'Upper Hutt' } } }),
    { status: 403, errorCode: 'E0000087' });
    const credentials = await users.forgotPasswordSetNewPassword({ userId: user.id, sendEmail: false,
      userCredentials: { password: { value: NEW_PASSWORD }, recovery_question: { answer: 'lower hutt' } } });
    assert.equal(sdk.last().url, `${server.url}/api/v1/users/${user.id}/credentials/forgot_password_recovery_question?sendEmail=false`);
    assert.equal(credentials.recovery_question?.question, QUESTION);
    await users.changePassword({ userId: user.id,
      changePasswordRequest: { oldPassword: { value: NEW_PASSWORD }, newPassword: { value: `${NEW_PASSWORD}y` } } });
  });
});

describe('delete', { timeout: 30_000 }, () => {
  it('first DELETE deactivates, second removes, then 404', async () => {
    const user = await createActive('del');
    await users.deleteUser({ userId: user.id });
    assert.equal(sdk.last().method, 'DELETE');
    assert.equal(sdk.last().status, 204, 'first DELETE answers 204');
    assert.equal((await users.getUser({ userId: user.id })).status, 'DEPROVISIONED', 'first DELETE deactivates');
    await users.deleteUser({ userId: user.id });
    assert.equal(sdk.last().status, 204, 'second DELETE answers 204');
    await expectOktaError(users.getUser({ userId: user.id }), { status: 404, errorCode: 'E0000007', what: 'get after delete' });
    await expectOktaError(users.deleteUser({ userId: user.id }), { status: 404, errorCode: 'E0000007', what: 'third DELETE' });
  });
});

describe('list, filter, search, q, paging', { timeout: 60_000 }, () => {
  const tag = `pg${uniq(3)}`;
  const lastName = `Pager${tag}`;
  // Twelve ACTIVE users sharing a first and last name, made on first use.
  const pagers = once(async () => {
    const made = [];
    for (let i = 0; i < 12; i++) {
      const p = profile(`${tag}${i}`, { firstName: `Fn${tag}`, lastName });
      made.push(await users.createUser({ body: { profile: p, credentials: { password: { value: PASSWORD } } }, activate: true }));
    }
    return made;
  });

  // Pages through `param` = `expression` with limit 3 and checks every page and the result.
  async function checkPaging(param, expression) {
    const created = await pagers();
    const start = sdk.exchanges.length;
    const paged = await collect(await users.listUsers({ [param]: expression, limit: 3 }));
    const requests = sdk.exchanges.slice(start);
    assert.ok(requests.length >= 4, `at least 4 page requests for 12 users with limit 3 (made ${requests.length})`);
    for (const [i, ex] of requests.entries()) {
      assert.equal(ex.status, 200, `page ${i}`);
      const u = new URL(ex.url);
      assert.equal(u.searchParams.get(param), expression, `page ${i} URL keeps ${param}: ${ex.url}`);
      assert.equal(u.searchParams.get('limit'), '3', `page ${i} URL keeps limit: ${ex.url}`);
      const links = parseLinks(ex.headers.link);
      assert.ok(links.self, `page ${i} has a rel="self" link: ${ex.headers.link}`);
      if (i < requests.length - 1) {
        assert.ok(links.next?.startsWith(`${server.url}/api/v1/users?`), `page ${i} next link is absolute: ${links.next}`);
      } else {
        assert.equal(links.next, undefined, 'last page has no next link');
      }
    }
    const ids = paged.map((u) => u.id);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates across pages');
    assert.deepEqual([...ids].sort(), created.map((u) => u.id).sort(), 'every matching user arrives exactly once');

    const single = await collect(await users.listUsers({ [param]: expression, limit: 200 }));
    assert.deepEqual(ids, single.map((u) => u.id), 'paged order equals single-page order');
  }

  it('search with a small limit pages through all users once, in the same order as one big page', async () => {
    await checkPaging('search', `profile.lastName eq "${lastName}"`);
  });

  it('filter with a small limit pages through all users once, in the same order as one big page', async () => {
    await checkPaging('filter', `profile.lastName eq "${lastName}"`);
  });

  it('plain list with a small limit pages without duplicates and includes the new users', async () => {
    const created = await pagers();
    const all = await collect(await users.listUsers({ limit: 5 }));
    const ids = all.map((u) => u.id);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates across pages');
    for (const u of created) assert.ok(ids.includes(u.id), `user ${u.id} listed`);
  });

  it('filter status eq "ACTIVE"', async () => {
    const created = await pagers();
    const list = await collect(await users.listUsers({ filter: 'status eq "ACTIVE"', limit: 200 }));
    assert.ok(list.length >= created.length);
    assert.ok(list.every((u) => u.status === 'ACTIVE'), 'only ACTIVE users');
    for (const u of created) assert.ok(list.some((x) => x.id === u.id), `user ${u.id} listed`);
  });

  it('filter profile.login eq "..."', async () => {
    const created = await pagers();
    const target = created[4];
    const list = await collect(await users.listUsers({ filter: `profile.login eq "${target.profile.login}"` }));
    assert.deepEqual(list.map((u) => u.id), [target.id]);
    assert.ok(sdk.last().url.includes('filter='), 'the SDK sent filter');
  });

  it('filter with and/or', async () => {
    const created = await pagers();
    const [a, b] = created;
    const either = await collect(await users.listUsers({
      filter: `profile.login eq "${a.profile.login}" or profile.login eq "${b.profile.login}"`,
    }));
    assert.deepEqual(either.map((u) => u.id).sort(), [a.id, b.id].sort());
    const both = await collect(await users.listUsers({ filter: `status eq "ACTIVE" and profile.login eq "${a.profile.login}"` }));
    assert.deepEqual(both.map((u) => u.id), [a.id]);
  });

  it('search profile.lastName sw "..." (case-insensitive)', async () => {
    const created = await pagers();
    const list = await collect(await users.listUsers({ search: `profile.lastName sw "${lastName.slice(0, -2).toUpperCase()}"` }));
    assert.deepEqual(list.map((u) => u.id).sort(), created.map((u) => u.id).sort());
  });

  it('q matches a firstName prefix, returns at most 10, does not page', async () => {
    const created = await pagers();
    const list = await collect(await users.listUsers({ q: `Fn${tag}` }));
    const ex = sdk.last();
    assert.equal(list.length, 10, 'q returns at most 10 users by default');
    assert.ok(list.every((u) => created.some((c) => c.id === u.id)), 'only matching users');
    assert.equal(parseLinks(ex.headers.link).next, undefined, 'q does not page (no rel="next")');
  });

  it('q matches an email prefix', async () => {
    const created = await pagers();
    const target = created[7];
    const list = await collect(await users.listUsers({ q: target.profile.email.slice(0, -5) }));
    assert.deepEqual(list.map((u) => u.id), [target.id]);
  });

  it('plain list omits DEPROVISIONED users; a status filter finds them', async () => {
    const created = await pagers();
    const user = await createActive('gone');
    await users.deactivateUser({ userId: user.id });
    const plain = await collect(await users.listUsers({ limit: 200 }));
    assert.ok(!plain.some((u) => u.id === user.id), 'DEPROVISIONED user not in the plain list');
    const deprovisioned = await collect(await users.listUsers({ filter: 'status eq "DEPROVISIONED"' }));
    assert.ok(deprovisioned.some((u) => u.id === user.id), 'DEPROVISIONED user found by filter');
  });

  it('a filter the users endpoint does not support gives 400 E0000031', async () => {
    const created = await pagers();
    // okta-api.md §1.8: users filter supports only eq (and ranges on lastUpdated); §1.3: 400 E0000031.
    await expectOktaError(collect(await users.listUsers({ filter: 'profile.nickName co "x"' })),
      { status: 400, errorCode: 'E0000031' });
  });
});

describe('listUserGroups', { timeout: 30_000 }, () => {
  it('a new user is in Everyone', async () => {
    const user = await createActive('grps');
    const groups = await collect(await users.listUserGroups({ userId: user.id }));
    assert.equal(sdk.last().url, `${server.url}/api/v1/users/${user.id}/groups`);
    const everyone = groups.find((g) => g.profile?.name === 'Everyone');
    assert.ok(everyone, `Everyone among ${JSON.stringify(groups.map((g) => g.profile?.name))}`);
    assert.equal(everyone.type, 'BUILT_IN');
    assertId(everyone.id, '00g', 'Everyone id');
  });
});

describe('wire conventions of this file', () => {
  it('every SDK response carried Content-Type, X-Okta-Request-Id, Date and rate-limit headers', () => {
    assertAllExchangesWellFormed(sdk.exchanges);
  });
});
