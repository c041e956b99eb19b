// Policies API through the official SDK (okta-api.md §5): policies, rules, the catch-all,
// app binding and the simulation (SCENARIOS.md B1), as client.policyApi sends them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useServer } from '../lib/harness.mjs';
import { PASSWORD, assertAllExchangesWellFormed, assertId, collect, expectOktaError, profile, uniq } from '../lib/okta.mjs';

let server;
let sdk;
let policies;

useServer({}, (s, k) => {
  server = s;
  sdk = k;
  policies = sdk.client.policyApi;
});

const accessPolicy = (name = `Policy ${uniq()}`) => ({ type: 'ACCESS_POLICY', name, description: 'made by the SDK' });
const accessRule = (name, access = 'ALLOW', conditions = null) => ({
  type: 'ACCESS_POLICY',
  name,
  conditions,
  actions: {
    appSignOn: {
      access,
      verificationMethod: {
        type: 'ASSURANCE', factorMode: '1FA', reauthenticateIn: 'PT0S',
        constraints: [{ possession: { authenticationMethods: [{ key: 'okta_verify', method: 'signed_nonce' }] } }],
      },
    },
  },
});

describe('policies and rules through policyApi', { timeout: 60_000 }, () => {
  it('lists the default policies by type (type required)', async () => {
    const list = await collect(await policies.listPolicies({ type: 'ACCESS_POLICY', expand: 'rules' }));
    const def = list.find((p) => p.system);
    assert.ok(def, 'a system Default Policy');
    assert.equal(def.type, 'ACCESS_POLICY');
    assert.equal(def.name, 'Default Policy');
    const signOn = await collect(await policies.listPolicies({ type: 'OKTA_SIGN_ON' }));
    assert.equal(signOn[0].type, 'OKTA_SIGN_ON');
    await expectOktaError(policies.listPolicies({ type: 'NOT_A_TYPE' }).then(collect), { status: 400, errorCode: 'E0000001' });
  });

  it('create, get, replace, deactivate, activate, rules, delete', async () => {
    const created = await policies.createPolicy({ policy: accessPolicy() });
    assertId(created.id, 'rst', 'policy id');
    assert.equal(created.type, 'ACCESS_POLICY');
    assert.equal(created.status, 'ACTIVE');
    assert.ok(created.created instanceof Date && !Number.isNaN(created.created.getTime()), 'created is a date');
    assert.equal(created._links?.self?.href, `${server.url}/api/v1/policies/${created.id}`);

    const got = await policies.getPolicy({ policyId: created.id });
    assert.equal(got.name, created.name);
    got.description = 'changed';
    const replaced = await policies.replacePolicy({ policyId: created.id, policy: got });
    assert.equal(replaced.description, 'changed');

    await policies.deactivatePolicy({ policyId: created.id });
    assert.equal((await policies.getPolicy({ policyId: created.id })).status, 'INACTIVE');
    await policies.activatePolicy({ policyId: created.id });
    assert.equal((await policies.getPolicy({ policyId: created.id })).status, 'ACTIVE');

    const rule = await policies.createPolicyRule({ policyId: created.id, policyRule: accessRule('Managed Device Allowed', 'ALLOW', { device: { registered: true, managed: true } }) });
    assertId(rule.id, 'rul', 'rule id');
    assert.equal(rule.type, 'ACCESS_POLICY');
    assert.equal(rule.priority, 1);
    assert.equal(rule.conditions?.device?.managed, true);
    const rules = await collect(await policies.listPolicyRules({ policyId: created.id }));
    assert.deepEqual(rules.map((r) => r.name), ['Managed Device Allowed', 'Catch-all Rule']);
    const catchAll = rules[1];
    assert.equal(catchAll.system, true);

    catchAll.actions.appSignOn.access = 'DENY';
    const edited = await policies.replacePolicyRule({ policyId: created.id, ruleId: catchAll.id, policyRule: catchAll });
    assert.equal(edited.actions.appSignOn.access, 'DENY');
    await expectOktaError(policies.deletePolicyRule({ policyId: created.id, ruleId: catchAll.id }), { status: 400, errorCode: 'E0000001' });

    rule.name = 'Renamed rule';
    const renamed = await policies.replacePolicyRule({ policyId: created.id, ruleId: rule.id, policyRule: rule });
    assert.equal(renamed.name, 'Renamed rule');
    await policies.deletePolicyRule({ policyId: created.id, ruleId: rule.id });
    assert.equal((await collect(await policies.listPolicyRules({ policyId: created.id }))).length, 1);

    await policies.deletePolicy({ policyId: created.id });
    await expectOktaError(policies.getPolicy({ policyId: created.id }), { status: 404, errorCode: 'E0000007' });
    assertAllExchangesWellFormed(sdk.exchanges);
  });

  it('refuses a managed device that is not registered, naming the field', async () => {
    const created = await policies.createPolicy({ policy: accessPolicy() });
    const e = await expectOktaError(
      policies.createPolicyRule({ policyId: created.id, policyRule: accessRule('Bad', 'ALLOW', { device: { managed: true } }) }),
      { status: 400, errorCode: 'E0000001' });
    assert.equal(e.errorSummary, 'Api validation failed: conditions.device.managed');
  });
});

describe('simulation (SCENARIOS.md B1)', { timeout: 60_000 }, () => {
  it('a registered-only device is denied, a managed one allowed', async () => {
    const policy = await policies.createPolicy({ policy: accessPolicy(`Require Managed Device ${uniq()}`) });
    const [catchAll] = await collect(await policies.listPolicyRules({ policyId: policy.id }));
    catchAll.actions.appSignOn.access = 'DENY';
    await policies.replacePolicyRule({ policyId: policy.id, ruleId: catchAll.id, policyRule: catchAll });
    await policies.createPolicyRule({ policyId: policy.id, policyRule: accessRule('Managed Device Allowed', 'ALLOW', { device: { registered: true, managed: true } }) });

    const app = await sdk.client.applicationApi.createApplication({
      application: { name: 'bookmark', label: `Managed Device Check ${uniq()}`, signOnMode: 'BOOKMARK', settings: { app: { url: 'https://example.com/check' } } },
    });
    await sdk.client.applicationApi.assignApplicationPolicy({ appId: app.id, policyId: policy.id });
    const bound = await sdk.client.applicationApi.getApplication({ appId: app.id });
    assert.equal(bound._links.accessPolicy.href, `${server.url}/api/v1/policies/${policy.id}`);
    const user = await sdk.client.userApi.createUser({ body: { profile: profile('sim'), credentials: { password: { value: PASSWORD } } }, activate: true });

    const simulate = (registered, managed) => policies.createPolicySimulation({
      simulatePolicy: [{
        appInstance: app.id, policyTypes: ['ACCESS_POLICY'],
        policyContext: { user: { id: user.id }, groups: { ids: [] }, device: { platform: 'LINUX', registered, managed } },
      }],
      expand: 'EVALUATED,RULE',
    });

    const denied = await simulate(true, false);
    const evaluation = denied.evaluation[0];
    assert.equal(evaluation.policyType, 'ACCESS_POLICY');
    assert.equal(evaluation.result.policies[0].id, policy.id);
    assert.equal(evaluation.result.policies[0].rules[0].name, 'Catch-all Rule');
    const missed = evaluation.evaluated.policies[0].rules[0];
    assert.equal(missed.name, 'Managed Device Allowed');
    assert.equal(missed.status, 'NOT_MATCH');
    assert.equal(missed.conditions.find((c) => c.type === 'device.managed').status, 'NOT_MATCH');

    const allowed = await simulate(true, true);
    assert.equal(allowed.evaluation[0].result.policies[0].rules[0].name, 'Managed Device Allowed');
    assert.equal(allowed.evaluation[0].result.policies[0].rules[0].status, 'MATCH');
  });
});
