// A device-bound authenticator app in Node, doing what `latchkey-verify enroll`, `pending` and `approve`/`deny` do
// (src/Latchkey.Verify: AuthenticatorApp, Channel/AppChannelClient; protocol in docs/authenticator-app.md):
//
//   const device = await enrollDevice(server, { login, password: PASSWORD });
//   const [push] = await device.pending({ wait: 5 });
//   await device.answer(push, { approve: true, number: 42 });   // -> 'SUCCESS'
//
// The proof-of-possession key is an ES256 (P-256) key made here with node:crypto; it never leaves this process. Every
// request after the enrollment carries `Authorization: DeviceProof <JWS>` and the answer is a JWS over the push's
// nonce, both signed by that key, which the server verifies. Node built-ins only.

import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

const IDX = 'application/ion+json; okta-version=1.0.0';
const TOKEN_LIFETIME_SECONDS = 120;

/** A refused channel request: `status`, `json` (the errorCode body) and `text` of the server's answer. */
export class DeviceChannelError extends Error {
  constructor(what, res) {
    super(`${what}: HTTP ${res.status} ${res.text.slice(0, 500)}`);
    this.name = 'DeviceChannelError';
    this.status = res.status;
    this.json = res.json;
    this.text = res.text;
  }

  /** The first errorCauses[].errorSummary, e.g. "device_suspended: ...". */
  get cause0() {
    return this.json?.errorCauses?.[0]?.errorSummary ?? '';
  }
}

const b64url = (data) => Buffer.from(data).toString('base64url');

/** A new P-256 key with its public JWK and RFC 7638 thumbprint as `kid`, as SoftwareKey makes one. */
export function newDeviceKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { x, y } = publicKey.export({ format: 'jwk' });
  // RFC 7638: the required members in lexicographic order, no whitespace.
  const kid = b64url(createHash('sha256').update(`{"crv":"P-256","kty":"EC","x":"${x}","y":"${y}"}`).digest());
  return { privateKey, kid, jwk: { kty: 'EC', crv: 'P-256', x, y, kid } };
}

/** A compact JWS `{alg: ES256, typ: okta-devicebind+jwt, kid}` over `claims`, signature r||s (RFC 7518 §3.4). */
export function signDeviceJws(key, claims) {
  const input = `${b64url(JSON.stringify({ alg: 'ES256', typ: 'okta-devicebind+jwt', kid: key.kid }))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input, 'ascii'), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

/** iss, aud (the org URL), iat, exp, jti, then `extra`: the claims every channel token has. */
function claims(issuer, orgUrl, extra = {}) {
  const now = Math.floor(Date.now() / 1000);
  return { iss: issuer, aud: orgUrl, iat: now, exp: now + TOKEN_LIFETIME_SECONDS, jti: b64url(randomBytes(16)), ...extra };
}

async function send(url, { method = 'GET', body, headers = {}, timeoutMs = 30_000 }) {
  const h = { Accept: 'application/json', ...headers };
  if (body !== undefined) h['Content-Type'] ??= 'application/json';
  const res = await fetch(url, {
    method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual', signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

/** Signs `login` in over IDX (introspect, then identify with the password): the user id and the `sid=...` cookie. */
async function signIn(orgUrl, login, password) {
  const idx = (path, body) => send(`${orgUrl}${path}`, { method: 'POST', body, headers: { Accept: IDX } });
  const start = await idx('/idp/idx/introspect', {});
  if (start.status !== 200 || !start.json?.stateHandle) throw new DeviceChannelError('IDX introspect', start);
  const done = await idx('/idp/idx/identify', { identifier: login, credentials: { passcode: password }, stateHandle: start.json.stateHandle });
  const userId = done.json?.user?.value?.id;
  const sid = done.headers.getSetCookie().map((c) => c.split(';')[0].trim()).find((c) => c.startsWith('sid='));
  if (done.status !== 200 || !done.json?.success || !userId || !sid) throw new DeviceChannelError(`IDX sign-in of ${login}`, done);
  return { userId, cookie: sid };
}

/**
 * Signs in and enrolls the authenticator app for `login` on a device (`POST /idp/authenticators`). Enrolling again
 * with the same `clientInstanceId` is the same app install: the server reuses its device.
 * @returns {Promise<Device>}
 */
export async function enrollDevice(server, {
  login, password, clientInstanceId = 'lkv' + b64url(randomBytes(18)), displayName = `compat-${b64url(randomBytes(4))}`,
  platform = 'LINUX', osVersion = '6.1.0', screenLockType, extra = {},
}) {
  const orgUrl = new URL(server.url).origin;
  const { userId, cookie } = await signIn(orgUrl, login, password);
  const key = newDeviceKey();
  const device = { clientInstanceId, displayName, platform, osVersion, secureHardwarePresent: false, ...extra };
  if (screenLockType) device.screenLockType = screenLockType;
  const res = await send(`${orgUrl}/idp/authenticators`, {
    method: 'POST',
    headers: { Cookie: cookie },
    body: {
      key: 'okta_verify', device, keys: { proofOfPossession: key.jwk },
      proof: signDeviceJws(key, claims(clientInstanceId, orgUrl, { sub: userId })),
    },
  });
  if (res.status !== 200) throw new DeviceChannelError(`enrolling ${login}`, res);
  return new Device(orgUrl, key, clientInstanceId, res.json);
}

export class Device {
  constructor(orgUrl, key, clientInstanceId, enrollment) {
    this.orgUrl = orgUrl;
    this.key = key;
    this.clientInstanceId = clientInstanceId;
    /** The enrollment as the server answered it (docs/authenticator-app.md §2). */
    this.enrollment = enrollment;
  }

  get enrollmentId() { return this.enrollment.id; }

  get userId() { return this.enrollment.user.id; }

  get deviceId() { return this.enrollment.device.id; }

  /** The factor id of a method of the enrollment: 'push', 'signed_nonce' or 'totp'. */
  methodId(type) {
    const method = this.enrollment.methods.find((m) => m.type === type);
    if (!method) throw new Error(`the enrollment has no ${type} method: ${JSON.stringify(this.enrollment.methods)}`);
    return method.id;
  }

  authorization() {
    return `DeviceProof ${signDeviceJws(this.key, claims(this.enrollmentId, this.orgUrl))}`;
  }

  /** The pushes waiting for this device, oldest first; long-polls up to `wait` seconds (0-30) for one. */
  async pending({ wait = 0 } = {}) {
    const href = this.enrollment._links?.pending?.href ?? `${this.orgUrl}/idp/authenticators/${this.enrollmentId}/pending`;
    const res = await send(`${href}?wait=${wait}`, { headers: { Authorization: this.authorization() }, timeoutMs: (wait + 30) * 1000 });
    if (res.status !== 200 || !Array.isArray(res.json)) throw new DeviceChannelError('GET pending', res);
    return res.json;
  }

  /** Waits (up to `seconds`) for the push of `transactionId` (the last segment of the poll link) to reach the device. */
  async waitFor(transactionId, { seconds = 10 } = {}) {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const left = Math.ceil((deadline - Date.now()) / 1000);
      const push = (await this.pending({ wait: Math.max(0, Math.min(left, 5)) })).find((p) => p.transactionId === transactionId);
      if (push) return push;
      if (left <= 0) throw new Error(`push ${transactionId} did not reach the device within ${seconds} s`);
    }
  }

  /**
   * Answers `push` with a JWS by the device key approving or denying it (and the number the person read, when the
   * number challenge applies). Returns the server's factorResult ('SUCCESS' or 'REJECTED'); throws DeviceChannelError
   * on a refusal (wrong number 403 E0000068, already answered 409, expired 410, bad signature 401).
   */
  async answer(push, { approve, number } = {}) {
    const context = { userConsent: approve ? 'APPROVED' : 'DENIED' };
    if (number !== undefined) context.numberChallengeAnswer = number;
    const challengeResponse = signDeviceJws(this.key, claims(this.enrollmentId, this.orgUrl, {
      sub: this.userId, tx: push.transactionId, nonce: push.nonce, methodEnrollmentId: push.factorId,
      keyType: 'proofOfPossession', challengeResponseContext: context,
    }));
    const res = await send(push.verificationUri, {
      method: 'POST', headers: { Authorization: this.authorization() }, body: { method: push.method, challengeResponse },
    });
    if (res.status !== 200) throw new DeviceChannelError(`answering push ${push.transactionId}`, res);
    return res.json.factorResult;
  }
}
