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

describe('clone, mappings and rule pages through policyApi', { timeout: 60_000 }, () => {
  it('clonePolicy copies the policy and its rules as "Copy of <name>"', async () => {
    const source = await policies.createPolicy({ policy: accessPolicy() });
    await policies.createPolicyRule({ policyId: source.id, policyRule: accessRule('Managed', 'ALLOW', { device: { registered: true, managed: true } }) });
    const clone = await policies.clonePolicy({ policyId: source.id });
    assert.equal(sdk.last().url, `${server.url}/api/v1/policies/${source.id}/clone`);
    assert.equal(sdk.last().method, 'POST');
    assertId(clone.id, 'rst', 'clone id');
    assert.notEqual(clone.id, source.id);
    assert.equal(clone.name, `Copy of ${source.name}`);
    assert.equal(clone.type, 'ACCESS_POLICY');
    assert.equal(clone.system, false);
    const rules = await collect(await policies.listPolicyRules({ policyId: clone.id }));
    assert.deepEqual(rules.map((r) => [r.name, r.priority, r.system]), [['Managed', 1, false], ['Catch-all Rule', 2, true]]);
    assert.deepEqual({ ...rules[0].conditions.device }, { ...(await collect(await policies.listPolicyRules({ policyId: source.id })))[0].conditions.device });
    await expectOktaError(() => policies.clonePolicy({ policyId: 'rstNoSuchPolicy00000' }), { status: 404, errorCode: 'E0000007' });
  });

  it('listPolicyMappings, getPolicyMapping and deletePolicyResourceMapping read and undo an app binding', async () => {
    const policy = await policies.createPolicy({ policy: accessPolicy() });
    const app = await sdk.client.applicationApi.createApplication({
      application: { name: 'bookmark', label: `Mapped ${uniq()}`, signOnMode: 'BOOKMARK', settings: { app: { url: 'https://example.com/mapped' } } },
    });
    await sdk.client.applicationApi.assignApplicationPolicy({ appId: app.id, policyId: policy.id });
    const mappings = await collect(await policies.listPolicyMappings({ policyId: policy.id }));
    assert.equal(sdk.last().url, `${server.url}/api/v1/policies/${policy.id}/mappings`);
    assert.equal(mappings.length, 1);
    const [mapping] = mappings;
    assertId(mapping.id, 'map', 'mapping id');
    assert.equal(mapping._links.application.href, `${server.url}/api/v1/apps/${app.id}`);
    assert.equal(mapping._links.policy.href, `${server.url}/api/v1/policies/${policy.id}`);
    const got = await policies.getPolicyMapping({ policyId: policy.id, mappingId: mapping.id });
    assert.equal(got.id, mapping.id);
    assert.equal(got._links.self.href, `${server.url}/api/v1/policies/${policy.id}/mappings/${mapping.id}`);

    await policies.deletePolicyResourceMapping({ policyId: policy.id, mappingId: mapping.id });
    assert.equal(sdk.last().method, 'DELETE');
    assert.equal(sdk.last().status, 204);
    assert.deepEqual(await collect(await policies.listPolicyMappings({ policyId: policy.id })), []);
    const unbound = await sdk.client.applicationApi.getApplication({ appId: app.id });
    const defaultPolicy = (await collect(await policies.listPolicies({ type: 'ACCESS_POLICY', limit: '200' }))).find((p) => p.system);
    assert.equal(unbound._links.accessPolicy.href, `${server.url}/api/v1/policies/${defaultPolicy.id}`, 'the app is back on the default policy');
    await expectOktaError(() => policies.getPolicyMapping({ policyId: policy.id, mappingId: mapping.id }), { status: 404, errorCode: 'E0000007' });
  });

  it('listPolicyRules with limit follows the Link next header to the catch-all', async () => {
    const policy = await policies.createPolicy({ policy: accessPolicy() });
    for (const name of ['One', 'Two']) {
      await policies.createPolicyRule({ policyId: policy.id, policyRule: accessRule(name) });
    }
    const paged = await collect(await policies.listPolicyRules({ policyId: policy.id, limit: '1' }));
    assert.deepEqual(paged.map((r) => r.name), ['One', 'Two', 'Catch-all Rule']);
    const pages = sdk.exchanges.filter((e) => e.url.includes(`/policies/${policy.id}/rules?`) && e.url.includes('limit=1'));
    assert.equal(pages.length, 3, 'one page a rule');
    assert.ok(pages.slice(1).every((e) => new URL(e.url).searchParams.get('after')), 'later pages carry after');
    assertAllExchangesWellFormed(sdk.exchanges);
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
