// Interop: self-service with amazon-cognito-identity-js against a running cognate.
//
// A user signs up (signUp), confirms with the emailed code read from the control API's outbox
// (confirmRegistration), signs in with real SRP (authenticateUser), forgets the password
// (forgotPassword), sets a new one with the reset code (confirmPassword) and signs in with it.
//
// Run by scripts/interop-node.sh with COGNATE_BIN pointing at the built binary:
//   COGNATE_BIN=target/debug/cognate node --test tests/interop/node/

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import cognito from "amazon-cognito-identity-js";

import { call, memoryStorage, nodeCallback, startServer } from "./cognate_server.mjs";

const { AuthenticationDetails, CognitoUser, CognitoUserAttribute, CognitoUserPool } = cognito;

const PASSWORD = "Passw0rd!";
const NEW_PASSWORD = "N3w-Passw0rd!";

// ---------------------------------------------------------------------------------------------
// Fixtures

/** The last message the server sent to `username` in `poolId` (from the outbox). */
async function lastMessage(baseUrl, poolId, username) {
  const q = new URLSearchParams({ userPoolId: poolId, username });
  const resp = await fetch(`${baseUrl}/_cognate/messages?${q}`);
  assert.equal(resp.status, 200);
  const { messages } = await resp.json();
  assert.ok(messages.length > 0, `no message to ${username}`);
  return messages[messages.length - 1];
}

function signUp(pool, username, password, email) {
  const attributes = [new CognitoUserAttribute({ Name: "email", Value: email })];
  return new Promise((resolve, reject) => pool.signUp(username, password, attributes, null, nodeCallback(resolve, reject)));
}

const confirmRegistration = (user, code) =>
  new Promise((resolve, reject) => user.confirmRegistration(code, false, nodeCallback(resolve, reject)));

const forgotPassword = (user) =>
  new Promise((resolve, reject) => user.forgotPassword({ onSuccess: resolve, onFailure: reject }));

const confirmPassword = (user, code, password) =>
  new Promise((resolve, reject) => user.confirmPassword(code, password, { onSuccess: resolve, onFailure: reject }));

function authenticate(user, username, password) {
  return new Promise((resolve, reject) => {
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: resolve,
      onFailure: reject,
      newPasswordRequired: () => reject(new Error("unexpected newPasswordRequired")),
    });
  });
}

// ---------------------------------------------------------------------------------------------

describe("self-service with amazon-cognito-identity-js", () => {
  let server;
  let baseUrl;
  let poolId;
  let clientId;

  before(async () => {
    server = await startServer();
    baseUrl = server.url;
    const { UserPool } = await call(baseUrl, "CreateUserPool", {
      PoolName: "interop-self-service",
      AutoVerifiedAttributes: ["email"],
    });
    poolId = UserPool.Id;
    const { UserPoolClient } = await call(baseUrl, "CreateUserPoolClient", {
      UserPoolId: poolId,
      ClientName: "web",
      ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    });
    clientId = UserPoolClient.ClientId;
  });

  after(async () => {
    await server?.stop();
  });

  test("signUp, confirmRegistration, then authenticateUser; forgotPassword and confirmPassword", async () => {
    const storage = memoryStorage();
    const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: baseUrl, Storage: storage });
    const username = `dana-${process.pid}`;
    const email = `${username}@example.com`;

    const signedUp = await signUp(pool, username, PASSWORD, email);
    assert.equal(signedUp.userConfirmed, false);
    assert.match(signedUp.userSub, /^[0-9a-f-]{36}$/);
    assert.equal(signedUp.codeDeliveryDetails.DeliveryMedium, "EMAIL");
    assert.equal(signedUp.codeDeliveryDetails.AttributeName, "email");

    const user = new CognitoUser({ Username: username, Pool: pool, Storage: storage });
    const unconfirmed = await authenticate(user, username, PASSWORD).then(
      () => assert.fail("an unconfirmed user signed in"),
      (err) => err,
    );
    assert.equal(unconfirmed.code, "UserNotConfirmedException");

    const signUpMessage = await lastMessage(baseUrl, poolId, username);
    assert.equal(signUpMessage.kind, "SIGN_UP");
    const wrong = signUpMessage.code === "000000" ? "000001" : "000000";
    const mismatch = await confirmRegistration(user, wrong).then(
      () => assert.fail("a wrong code confirmed the user"),
      (err) => err,
    );
    assert.equal(mismatch.code, "CodeMismatchException");
    assert.equal(await confirmRegistration(user, signUpMessage.code), "SUCCESS");

    const session = await authenticate(user, username, PASSWORD);
    assert.ok(session.isValid());
    assert.equal(session.getIdToken().payload.email_verified, true);

    const forgot = await forgotPassword(new CognitoUser({ Username: username, Pool: pool, Storage: storage }));
    assert.equal(forgot.CodeDeliveryDetails.DeliveryMedium, "EMAIL");
    const resetMessage = await lastMessage(baseUrl, poolId, username);
    assert.equal(resetMessage.kind, "FORGOT_PASSWORD");
    const resetting = new CognitoUser({ Username: username, Pool: pool, Storage: storage });
    assert.equal(await confirmPassword(resetting, resetMessage.code, NEW_PASSWORD), "SUCCESS");

    const again = new CognitoUser({ Username: username, Pool: pool, Storage: memoryStorage() });
    const renewed = await authenticate(again, username, NEW_PASSWORD);
    assert.ok(renewed.isValid());
    const old = await authenticate(new CognitoUser({ Username: username, Pool: pool, Storage: memoryStorage() }), username, PASSWORD).then(
      () => assert.fail("the old password still signs in"),
      (err) => err,
    );
    assert.equal(old.code, "NotAuthorizedException");
  });
});
