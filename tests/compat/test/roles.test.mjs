// Admin role assignments through the official SDK's roleAssignmentApi (issue 10 item 4): the standard roles assigned
// to users and groups, listed, read and unassigned, with the real service's status codes, shapes and errors.
// Enforcement with a lesser admin's token is covered by the integration tests: the SDK cannot create tokens.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useServer } from '../lib/harness.mjs';
import {
  PASSWORD, assertAllExchangesWellFormed, assertId, collect, expectOktaError, profile, raw, uniq,
} from '../lib/okta.mjs';

let server;
let sdk;
let roles;

useServer({}, (s, k) => {
  server = s;
  sdk = k;
  roles = sdk.client.roleAssignmentApi;
});

const newUser = (tag) => sdk.client.userApi.createUser({
  body: { profile: profile(tag), credentials: { password: { value: PASSWORD } } }, activate: true,
});
const newGroup = () => sdk.client.groupApi.createGroup({ group: { profile: { name: `Admins ${uniq()}` } } });

function assertStandardRole(role, { type, label, assignmentType, assignee }) {
  assertId(role.id, 'irb', 'role assignment id');
  assert.equal(role.type, type);
  assert.equal(role.label, label);
  assert.equal(role.status, 'ACTIVE');
  assert.equal(role.assignmentType, assignmentType);
  assert.ok(role.created instanceof Date && !Number.isNaN(role.created.getTime()), 'created is a date');
  assert.ok(role.lastUpdated instanceof Date && !Number.isNaN(role.lastUpdated.getTime()), 'lastUpdated is a date');
  assert.equal(role._links?.assignee?.href, assignee, '_links.assignee.href');
}

describe('user role assignments', { timeout: 60_000 }, () => {
  it('assignRoleToUser, listAssignedRolesForUser, getUserAssignedRole, unassignRoleFromUser', async () => {
    const user = await newUser('roles');
    const assigned = await roles.assignRoleToUser({ userId: user.id, assignRoleRequest: { type: 'HELP_DESK_ADMIN' } });
    assert.equal(sdk.last().method, 'POST');
    assert.equal(sdk.last().url, `${server.url}/api/v1/users/${user.id}/roles`);
    assert.equal(sdk.last().status, 201);
    const expected = {
      type: 'HELP_DESK_ADMIN', label: 'Help Desk Administrator', assignmentType: 'USER', assignee: `${server.url}/api/v1/users/${user.id}`,
    };
    assertStandardRole(assigned, expected);

    await roles.assignRoleToUser({ userId: user.id, assignRoleRequest: { type: 'READ_ONLY_ADMIN' }, disableNotifications: true });
    assert.match(sdk.last().url, /\?disableNotifications=true$/);
    const listed = await collect(await roles.listAssignedRolesForUser({ userId: user.id }));
    assert.deepEqual(listed.map((r) => r.type).sort(), ['HELP_DESK_ADMIN', 'READ_ONLY_ADMIN']);
    assertStandardRole(listed.find((r) => r.id === assigned.id), expected);

    const fetched = await roles.getUserAssignedRole({ userId: user.id, roleId: assigned.id });
    assertStandardRole(fetched, expected);
    assert.equal(fetched.id, assigned.id);

    await roles.unassignRoleFromUser({ userId: user.id, roleId: assigned.id });
    assert.equal(sdk.last().method, 'DELETE');
    assert.equal(sdk.last().status, 204);
    await expectOktaError(() => roles.getUserAssignedRole({ userId: user.id, roleId: assigned.id }),
      { status: 404, errorCode: 'E0000007', what: 'unassigned role' });
    assert.deepEqual((await collect(await roles.listAssignedRolesForUser({ userId: user.id }))).map((r) => r.type), ['READ_ONLY_ADMIN']);
    assertAllExchangesWellFormed(sdk.exchanges);
  });

  it('a role held already is 409 E0000090', async () => {
    const user = await newUser('dup');
    await roles.assignRoleToUser({ userId: user.id, assignRoleRequest: { type: 'APP_ADMIN' } });
    const error = await expectOktaError(() => roles.assignRoleToUser({ userId: user.id, assignRoleRequest: { type: 'APP_ADMIN' } }),
      { status: 409, errorCode: 'E0000090', what: 'duplicate role' });
    assert.equal(error.errorSummary, 'The role specified is already assigned to the user.');
  });

  it('a type that is not a standard role is 400 E0000001', async () => {
    const user = await newUser('badtype');
    const error = await expectOktaError(() => roles.assignRoleToUser({ userId: user.id, assignRoleRequest: { type: 'NOT_A_ROLE' } }),
      { status: 400, errorCode: 'E0000001', what: 'unknown role type' });
    assert.equal(error.errorSummary, 'Api validation failed: type');
    assert.deepEqual(await collect(await roles.listAssignedRolesForUser({ userId: user.id })), []);
  });

  it('an unknown user is 404 E0000007', async () => {
    await expectOktaError(() => roles.listAssignedRolesForUser({ userId: '00uNoSuchUser0000000' }).then(collect),
      { status: 404, errorCode: 'E0000007', what: 'unknown user' });
  });
});

describe('group role assignments', { timeout: 60_000 }, () => {
  it('assignRoleToGroup, listGroupAssignedRoles, getGroupAssignedRole, unassignRoleFromGroup', async () => {
    const group = await newGroup();
    const assigned = await roles.assignRoleToGroup({ groupId: group.id, assignRoleRequest: { type: 'USER_ADMIN' } });
    assert.equal(sdk.last().url, `${server.url}/api/v1/groups/${group.id}/roles`);
    assert.equal(sdk.last().status, 200);
    const expected = {
      type: 'USER_ADMIN', label: 'Group Administrator', assignmentType: 'GROUP', assignee: `${server.url}/api/v1/groups/${group.id}`,
    };
    assertStandardRole(assigned, expected);

    const listed = await collect(await roles.listGroupAssignedRoles({ groupId: group.id }));
    assert.deepEqual(listed.map((r) => r.id), [assigned.id]);
    assertStandardRole(await roles.getGroupAssignedRole({ groupId: group.id, roleId: assigned.id }), expected);

    await roles.unassignRoleFromGroup({ groupId: group.id, roleId: assigned.id });
    assert.equal(sdk.last().status, 204);
    assert.deepEqual(await collect(await roles.listGroupAssignedRoles({ groupId: group.id })), []);
    assertAllExchangesWellFormed(sdk.exchanges);
  });

  it('the Everyone group cannot hold a role (400 E0000211)', async () => {
    const everyone = (await collect(await sdk.client.groupApi.listGroups({ q: 'Everyone' }))).find((g) => g.type === 'BUILT_IN');
    assert.ok(everyone, 'the Everyone group exists');
    await expectOktaError(() => roles.assignRoleToGroup({ groupId: everyone.id, assignRoleRequest: { type: 'READ_ONLY_ADMIN' } }),
      { status: 400, errorCode: 'E0000211', what: 'role on Everyone' });
  });

  it('grants are in the System Log', async () => {
    const group = await newGroup();
    await roles.assignRoleToGroup({ groupId: group.id, assignRoleRequest: { type: 'READ_ONLY_ADMIN' } });
    const filter = encodeURIComponent(`eventType eq "group.privilege.grant" and target.id eq "${group.id}"`);
    const res = await raw(server, `/api/v1/logs?filter=${filter}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.length, 1, res.text);
    assert.equal(res.json[0].debugContext.debugData.privilegeGranted, 'Read only admin');
  });
});
