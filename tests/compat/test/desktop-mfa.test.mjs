// Desktop MFA org settings through the official SDK's deviceAccessApi (issue 13; docs/desktop-mfa.md "Org settings").

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useServer } from '../lib/harness.mjs';
import { assertAllExchangesWellFormed } from '../lib/okta.mjs';

let sdk;
let access;

useServer({}, (s, k) => {
  sdk = k;
  access = sdk.client.deviceAccessApi;
});

describe('desktop MFA org settings', { timeout: 30_000 }, () => {
  it('the recovery PIN setting starts off and is turned on and off with replace', async () => {
    assert.equal((await access.getDesktopMFARecoveryPinOrgSetting()).desktopMFARecoveryPinEnabled, false);
    const on = await access.replaceDesktopMFARecoveryPinOrgSetting({ desktopMFARecoveryPinOrgSetting: { desktopMFARecoveryPinEnabled: true } });
    assert.equal(on.desktopMFARecoveryPinEnabled, true);
    assert.equal((await access.getDesktopMFARecoveryPinOrgSetting()).desktopMFARecoveryPinEnabled, true);
    await access.replaceDesktopMFARecoveryPinOrgSetting({ desktopMFARecoveryPinOrgSetting: { desktopMFARecoveryPinEnabled: false } });
    assert.equal((await access.getDesktopMFARecoveryPinOrgSetting()).desktopMFARecoveryPinEnabled, false);
  });

  it('number matching can be enforced for Desktop MFA pushes', async () => {
    const before = await access.getDesktopMFAEnforceNumberMatchingChallengeOrgSetting();
    assert.equal(before.desktopMFAEnforceNumberMatchingChallengeEnabled, false);
    const on = await access.replaceDesktopMFAEnforceNumberMatchingChallengeOrgSetting({
      desktopMFAEnforceNumberMatchingChallengeOrgSetting: { desktopMFAEnforceNumberMatchingChallengeEnabled: true },
    });
    assert.equal(on.desktopMFAEnforceNumberMatchingChallengeEnabled, true);
    await access.replaceDesktopMFAEnforceNumberMatchingChallengeOrgSetting({
      desktopMFAEnforceNumberMatchingChallengeOrgSetting: { desktopMFAEnforceNumberMatchingChallengeEnabled: false },
    });
  });

  it('every exchange was well formed', () => assertAllExchangesWellFormed(sdk.exchanges));
});
