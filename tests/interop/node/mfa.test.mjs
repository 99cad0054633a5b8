// Interop: multi-factor sign-in with amazon-cognito-identity-js against a running cognate:
// associateSoftwareToken and verifySoftwareToken (with a signed-in session, and during sign-in
// through MFA_SETUP), sendMFACode for SOFTWARE_TOKEN_MFA and SMS_MFA (the code read from the
// outbox), and sendMFASelectionAnswer. TOTP codes are computed here with node:crypto.
//
// Run by scripts/interop-node.sh with COGNATE_BIN pointing at the built binary:
//   COGNATE_BIN=target/debug/cognate node --test tests/interop/node/

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import cognito from "amazon-cognito-identity-js";

import { call, memoryStorage, startServer, stepNow, totp } from "./cognate_server.mjs";

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = cognito;

const PASSWORD = "Passw0rd!";
const PHONE = "+15555550123";

// ---------------------------------------------------------------------------------------------
// Fixtures

async function poolWithMfa(baseUrl, name, mode, { sms = false } = {}) {
  const { UserPool } = await call(baseUrl, "CreateUserPool", { PoolName: name });
  const config = {
    UserPoolId: UserPool.Id,
    MfaConfiguration: mode,
    SoftwareTokenMfaConfiguration: { Enabled: true },
  };
  if (sms) {
    config.SmsMfaConfiguration = {
      SmsConfiguration: { SnsCallerArn: "arn:aws:iam::000000000000:role/sns" },
    };
  }
  await call(baseUrl, "SetUserPoolMfaConfig", config);
  const { UserPoolClient } = await call(baseUrl, "CreateUserPoolClient", {
    UserPoolId: UserPool.Id,
    ClientName: `${name}-web`,
    ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
  });
  return { poolId: UserPool.Id, clientId: UserPoolClient.ClientId };
}

async function createUser(baseUrl, poolId, username, attributes = []) {
  await call(baseUrl, "AdminCreateUser", {
    UserPoolId: poolId,
    Username: username,
    UserAttributes: attributes,
    MessageAction: "SUPPRESS",
  });
  await call(baseUrl, "AdminSetUserPassword", { UserPoolId: poolId, Username: username, Password: PASSWORD, Permanent: true });
}

function newUser(baseUrl, { poolId, clientId }, username) {
  const storage = memoryStorage();
  const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: baseUrl, Storage: storage });
  return new CognitoUser({ Username: username, Pool: pool, Storage: storage });
}

/** authenticateUser (SRP); resolves to which callback was called, and with what. */
function authenticate(user, username) {
  return new Promise((resolve, reject) => {
    const to = (kind) => (...args) => resolve({ kind, args });
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: PASSWORD }), {
      onSuccess: to("success"),
      onFailure: (err) => reject(err),
      newPasswordRequired: to("newPasswordRequired"),
      mfaRequired: to("mfaRequired"),
      totpRequired: to("totpRequired"),
      customChallenge: to("customChallenge"),
      selectMFAType: to("selectMFAType"),
      mfaSetup: to("mfaSetup"),
    });
  });
}

const associateSoftwareToken = (user) =>
  new Promise((resolve, reject) =>
    user.associateSoftwareToken({ associateSecretCode: resolve, onFailure: reject }),
  );

const verifySoftwareToken = (user, code, name) =>
  new Promise((resolve, reject) => user.verifySoftwareToken(code, name, { onSuccess: resolve, onFailure: reject }));

const sendMFACode = (user, code, type) =>
  new Promise((resolve, reject) => user.sendMFACode(code, { onSuccess: resolve, onFailure: reject }, type));

const sendMFASelectionAnswer = (user, answer) =>
  new Promise((resolve, reject) =>
    user.sendMFASelectionAnswer(answer, {
      mfaRequired: (name, params) => resolve({ kind: "mfaRequired", name, params }),
      totpRequired: (name, params) => resolve({ kind: "totpRequired", name, params }),
      onFailure: reject,
    }),
  );

const setUserMfaPreference = (user, sms, totpSettings) =>
  new Promise((resolve, reject) =>
    user.setUserMfaPreference(sms, totpSettings, (err, result) => (err ? reject(err) : resolve(result))),
  );

async function lastCode(baseUrl, username) {
  const resp = await fetch(`${baseUrl}/_cognate/messages?username=${encodeURIComponent(username)}`);
  const { messages } = await resp.json();
  const m = messages.filter((m) => m.kind === "AUTHENTICATION").pop();
  assert.ok(m, "an AUTHENTICATION message was sent");
  return m.code;
}

/** Signs in (no MFA yet), associates and verifies a token with the session: its secret and
 * the step of the code that verified it. */
async function enrolSignedIn(baseUrl, ids, username) {
  const user = newUser(baseUrl, ids, username);
  const signedIn = await authenticate(user, username);
  assert.equal(signedIn.kind, "success");
  const secret = await associateSoftwareToken(user);
  assert.match(secret, /^[A-Z2-7]{52}$/);
  const step = stepNow();
  const result = await verifySoftwareToken(user, totp(secret, step), "node");
  assert.equal(result.Status, "SUCCESS");
  return { user, secret, step };
}

// ---------------------------------------------------------------------------------------------
// The tests

describe("amazon-cognito-identity-js MFA", () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test("MFA_SETUP: associateSoftwareToken and verifySoftwareToken during sign-in, then sendMFACode", async () => {
    const ids = await poolWithMfa(server.url, "setup", "ON");
    await createUser(server.url, ids.poolId, "alice");
    const user = newUser(server.url, ids, "alice");
    const first = await authenticate(user, "alice");
    assert.equal(first.kind, "mfaSetup");
    assert.equal(first.args[0], "MFA_SETUP");
    const secret = await associateSoftwareToken(user);
    const step = stepNow();
    const session = await verifySoftwareToken(user, totp(secret, step), "node");
    assert.ok(session.isValid(), "signed in after MFA_SETUP");

    const again = newUser(server.url, ids, "alice");
    const challenged = await authenticate(again, "alice");
    assert.equal(challenged.kind, "totpRequired");
    assert.equal(challenged.args[0], "SOFTWARE_TOKEN_MFA");
    // The verifying code is spent; the same session takes the next step's.
    const replay = await sendMFACode(again, totp(secret, step), "SOFTWARE_TOKEN_MFA").then(
      () => assert.fail("a replayed code was accepted"),
      (err) => err,
    );
    assert.equal(replay.code, "CodeMismatchException");
    const signedIn = await sendMFACode(again, totp(secret, step + 1), "SOFTWARE_TOKEN_MFA");
    assert.ok(signedIn.isValid());
  });

  test("associateSoftwareToken with a signed-in session, then SOFTWARE_TOKEN_MFA sign-in", async () => {
    const ids = await poolWithMfa(server.url, "optional", "OPTIONAL");
    await createUser(server.url, ids.poolId, "bob");
    const { user, secret, step } = await enrolSignedIn(server.url, ids, "bob");
    await setUserMfaPreference(user, null, { Enabled: true, PreferredMfa: true });

    const again = newUser(server.url, ids, "bob");
    const challenged = await authenticate(again, "bob");
    assert.equal(challenged.kind, "totpRequired");
    const signedIn = await sendMFACode(again, totp(secret, step + 1), "SOFTWARE_TOKEN_MFA");
    assert.equal(signedIn.getIdToken().decodePayload()["cognito:username"], "bob");
  });

  test("sendMFASelectionAnswer, then SMS_MFA with sendMFACode", async () => {
    const ids = await poolWithMfa(server.url, "select", "OPTIONAL", { sms: true });
    await createUser(server.url, ids.poolId, "carol", [{ Name: "phone_number", Value: PHONE }]);
    const { secret, step } = await enrolSignedIn(server.url, ids, "carol");
    await call(server.url, "AdminSetUserMFAPreference", {
      UserPoolId: ids.poolId,
      Username: "carol",
      SMSMfaSettings: { Enabled: true },
      SoftwareTokenMfaSettings: { Enabled: true },
    });

    const user = newUser(server.url, ids, "carol");
    const challenged = await authenticate(user, "carol");
    assert.equal(challenged.kind, "selectMFAType");
    assert.deepEqual(JSON.parse(challenged.args[1].MFAS_CAN_CHOOSE), ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]);
    const chosen = await sendMFASelectionAnswer(user, "SMS_MFA");
    assert.equal(chosen.kind, "mfaRequired");
    assert.equal(chosen.name, "SMS_MFA");
    assert.equal(chosen.params.CODE_DELIVERY_DELIVERY_MEDIUM, "SMS");
    assert.equal(chosen.params.CODE_DELIVERY_DESTINATION, "+*******0123");
    const code = await lastCode(server.url, "carol");
    const signedIn = await sendMFACode(user, code);
    assert.ok(signedIn.isValid());

    // The authenticator app, chosen the same way.
    const other = newUser(server.url, ids, "carol");
    assert.equal((await authenticate(other, "carol")).kind, "selectMFAType");
    const totpChosen = await sendMFASelectionAnswer(other, "SOFTWARE_TOKEN_MFA");
    assert.equal(totpChosen.kind, "totpRequired");
    const viaTotp = await sendMFACode(other, totp(secret, step + 1), "SOFTWARE_TOKEN_MFA");
    assert.ok(viaTotp.isValid());
  });
});
