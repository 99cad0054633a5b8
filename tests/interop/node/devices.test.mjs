// Interop: remembered devices with amazon-cognito-identity-js against a running cognate. The
// library tracks the device itself: authenticateUser confirms the NewDeviceMetadata it is given
// (ConfirmDevice with its own device SRP verifier) and caches the key; setDeviceStatusRemembered;
// a later authenticateUser from the same storage (the same browser) runs DEVICE_SRP_AUTH →
// DEVICE_PASSWORD_VERIFIER and skips TOTP; refreshSession sends the device key; listDevices,
// getDevice and forgetDevice, after which the browser is a new device again.
//
// Run by scripts/interop-node.sh with COGNATE_BIN pointing at the built binary:
//   COGNATE_BIN=target/debug/cognate node --test tests/interop/node/

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import cognito from "amazon-cognito-identity-js";

import { call, memoryStorage, startServer, stepNow, totp } from "./cognate_server.mjs";

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = cognito;

const PASSWORD = "Passw0rd!";

/** A pool with optional TOTP MFA that remembers devices on the user's say-so and lets a
 * remembered device stand in for MFA; a public client for SRP. */
async function devicePool(baseUrl) {
  const { UserPool } = await call(baseUrl, "CreateUserPool", {
    PoolName: "devices",
    DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true },
  });
  await call(baseUrl, "SetUserPoolMfaConfig", {
    UserPoolId: UserPool.Id,
    MfaConfiguration: "OPTIONAL",
    SoftwareTokenMfaConfiguration: { Enabled: true },
  });
  const { UserPoolClient } = await call(baseUrl, "CreateUserPoolClient", {
    UserPoolId: UserPool.Id,
    ClientName: "web",
    ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
  });
  await call(baseUrl, "AdminCreateUser", { UserPoolId: UserPool.Id, Username: "alice", MessageAction: "SUPPRESS" });
  await call(baseUrl, "AdminSetUserPassword", {
    UserPoolId: UserPool.Id,
    Username: "alice",
    Password: PASSWORD,
    Permanent: true,
  });
  return { poolId: UserPool.Id, clientId: UserPoolClient.ClientId };
}

/** A CognitoUser in a browser whose storage is `storage` (the device's cached keys live there). */
function userIn(baseUrl, { poolId, clientId }, storage) {
  const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: baseUrl, Storage: storage });
  return new CognitoUser({ Username: "alice", Pool: pool, Storage: storage });
}

/** authenticateUser (SRP); resolves to which callback was called, and with what. */
function authenticate(user) {
  return new Promise((resolve, reject) => {
    const to = (kind) => (...args) => resolve({ kind, args });
    user.authenticateUser(new AuthenticationDetails({ Username: "alice", Password: PASSWORD }), {
      onSuccess: to("success"),
      onFailure: reject,
      totpRequired: to("totpRequired"),
      mfaRequired: to("mfaRequired"),
      newPasswordRequired: to("newPasswordRequired"),
      selectMFAType: to("selectMFAType"),
      mfaSetup: to("mfaSetup"),
      customChallenge: to("customChallenge"),
    });
  });
}

const promised = (f) => new Promise((resolve, reject) => f({ onSuccess: resolve, onFailure: reject }));

const deviceKeyOf = (session) => session.getAccessToken().decodePayload().device_key;

describe("amazon-cognito-identity-js remembered devices", () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test("a remembered device signs in through DEVICE_SRP_AUTH and skips TOTP", async () => {
    const ids = await devicePool(server.url);
    const browser = memoryStorage();

    // First sign-in: no MFA yet; the library confirms the new device, which waits for the
    // user's say-so (DeviceOnlyRememberedOnUserPrompt).
    const first = userIn(server.url, ids, browser);
    const signedIn = await authenticate(first);
    assert.equal(signedIn.kind, "success");
    assert.equal(signedIn.args[1], true, "UserConfirmationNecessary");
    const deviceKey = deviceKeyOf(signedIn.args[0]);
    assert.match(deviceKey, /^us-east-1_[0-9a-f-]{36}$/);
    const secret = await new Promise((resolve, reject) =>
      first.associateSoftwareToken({ associateSecretCode: resolve, onFailure: reject }),
    );
    const step = stepNow();
    await new Promise((resolve, reject) =>
      first.verifySoftwareToken(totp(secret, step), "phone", { onSuccess: resolve, onFailure: reject }),
    );
    await new Promise((resolve, reject) =>
      first.setUserMfaPreference(null, { Enabled: true, PreferredMfa: true }, (err, r) => (err ? reject(err) : resolve(r))),
    );

    // The device is confirmed but not remembered: TOTP first, then the device proves itself.
    const second = userIn(server.url, ids, browser);
    const challenged = await authenticate(second);
    assert.equal(challenged.kind, "totpRequired");
    const afterTotp = await new Promise((resolve, reject) =>
      second.sendMFACode(totp(secret, step + 1), { onSuccess: resolve, onFailure: reject }, "SOFTWARE_TOKEN_MFA"),
    );
    assert.equal(deviceKeyOf(afterTotp), deviceKey, "the same device, proven by device SRP");
    const remembered = await new Promise((resolve, reject) =>
      second.setDeviceStatusRemembered({ onSuccess: resolve, onFailure: reject }),
    );
    assert.equal(remembered, "SUCCESS");

    // Remembered: the password, DEVICE_SRP_AUTH, and no TOTP.
    const third = userIn(server.url, ids, browser);
    const viaDevice = await authenticate(third);
    assert.equal(viaDevice.kind, "success", "no MFA on a remembered device");
    assert.equal(deviceKeyOf(viaDevice.args[0]), deviceKey);

    // refreshSession sends the device's key, as the session needs.
    const refreshed = await new Promise((resolve, reject) =>
      third.refreshSession(viaDevice.args[0].getRefreshToken(), (err, s) => (err ? reject(err) : resolve(s))),
    );
    assert.equal(deviceKeyOf(refreshed), deviceKey);

    const listed = await new Promise((resolve, reject) =>
      third.listDevices(10, null, { onSuccess: resolve, onFailure: reject }),
    );
    assert.equal(listed.Devices.length, 1);
    assert.equal(listed.Devices[0].DeviceKey, deviceKey);
    const attributes = Object.fromEntries(listed.Devices[0].DeviceAttributes.map((a) => [a.Name, a.Value]));
    assert.equal(attributes.device_remembered_status, "remembered");
    assert.equal(attributes.last_ip_used, "127.0.0.1");
    const got = await promised((cb) => third.getDevice(cb));
    assert.equal(got.Device.DeviceKey, deviceKey);

    assert.equal(await promised((cb) => third.forgetDevice(cb)), "SUCCESS");
    const none = await new Promise((resolve, reject) =>
      third.listDevices(10, null, { onSuccess: resolve, onFailure: reject }),
    );
    assert.deepEqual(none.Devices, []);

    // Forgotten, the browser is a new device: TOTP again.
    const fourth = userIn(server.url, ids, browser);
    const again = await authenticate(fourth);
    assert.equal(again.kind, "totpRequired");
  });
});
