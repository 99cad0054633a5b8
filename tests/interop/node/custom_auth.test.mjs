// Interop: CUSTOM_AUTH through amazon-cognito-identity-js, with the pool's
// DefineAuthChallenge, CreateAuthChallenge and VerifyAuthChallengeResponse run by a
// Lambda Invoke API this test serves (cognate calls it through --lambda-endpoint).
//
// The functions are AWS's documented example: an optional SRP password check first
// (CHALLENGE_NAME SRP_A), then one CUSTOM_CHALLENGE whose private answer is checked by
// VerifyAuthChallengeResponse; three wrong answers fail the sign-in.
//
//   COGNATE_BIN=target/debug/cognate node --test tests/interop/node/custom_auth.test.mjs

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";

import cognito from "amazon-cognito-identity-js";

import { call, memoryStorage, startServer } from "./cognate_server.mjs";

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = cognito;

const PASSWORD = "Passw0rd!";
const ARN = (name) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

/** The three functions, keyed by the ARN's function name. */
const functions = {
  define(event) {
    const session = event.request.session;
    const last = session[session.length - 1];
    const r = event.response;
    if (last && last.challengeName === "SRP_A") {
      Object.assign(r, { challengeName: "PASSWORD_VERIFIER", issueTokens: false, failAuthentication: false });
    } else if (last && last.challengeName === "CUSTOM_CHALLENGE" && last.challengeResult === true) {
      Object.assign(r, { issueTokens: true, failAuthentication: false });
    } else if (session.filter((s) => s.challengeName === "CUSTOM_CHALLENGE").length >= 3) {
      Object.assign(r, { issueTokens: false, failAuthentication: true });
    } else {
      Object.assign(r, { challengeName: "CUSTOM_CHALLENGE", issueTokens: false, failAuthentication: false });
    }
    return event;
  },
  create(event) {
    event.response.publicChallengeParameters = { question: "What is 6 x 7?" };
    event.response.privateChallengeParameters = { answer: "42" };
    event.response.challengeMetadata = "ARITHMETIC";
    return event;
  },
  verify(event) {
    event.response.answerCorrect = event.request.challengeAnswer === event.request.privateChallengeParameters.answer;
    return event;
  },
};

/** A Lambda Invoke API: POST /2015-03-31/functions/<ARN>/invocations runs the function. */
function startLambda() {
  const events = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const m = /^\/2015-03-31\/functions\/(.+)\/invocations$/.exec(req.url);
      const arn = m ? decodeURIComponent(m[1]) : "";
      const name = arn.split(":").pop();
      const event = JSON.parse(body);
      events.push({ name, event: structuredClone(event), signed: /^AWS4-HMAC-SHA256 /.test(req.headers.authorization ?? "") });
      const fn = functions[name];
      res.setHeader("Content-Type", "application/json");
      if (!fn) {
        res.statusCode = 404;
        res.end(JSON.stringify({ Type: "User", Message: "Function not found" }));
        return;
      }
      res.end(JSON.stringify(fn(event)));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({ url: `http://127.0.0.1:${server.address().port}`, events, close: () => server.close() });
    });
  });
}

describe("CUSTOM_AUTH with amazon-cognito-identity-js", () => {
  let lambda;
  let server;
  let poolId;
  let clientId;

  before(async () => {
    lambda = await startLambda();
    server = await startServer("--lambda-endpoint", lambda.url);
    const { UserPool } = await call(server.url, "CreateUserPool", {
      PoolName: "custom",
      LambdaConfig: {
        DefineAuthChallenge: ARN("define"),
        CreateAuthChallenge: ARN("create"),
        VerifyAuthChallengeResponse: ARN("verify"),
      },
    });
    poolId = UserPool.Id;
    const { UserPoolClient } = await call(server.url, "CreateUserPoolClient", {
      UserPoolId: poolId,
      ClientName: "web",
      ExplicitAuthFlows: ["ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    });
    clientId = UserPoolClient.ClientId;
    await call(server.url, "AdminCreateUser", {
      UserPoolId: poolId,
      Username: "alice",
      UserAttributes: [{ Name: "email", Value: "alice@example.com" }],
      MessageAction: "SUPPRESS",
    });
    await call(server.url, "AdminSetUserPassword", { UserPoolId: poolId, Username: "alice", Password: PASSWORD, Permanent: true });
  });

  after(async () => {
    await server?.stop();
    lambda?.close();
  });

  function user() {
    const storage = memoryStorage();
    const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: server.url, Storage: storage });
    const u = new CognitoUser({ Username: "alice", Pool: pool, Storage: storage });
    u.setAuthenticationFlowType("CUSTOM_AUTH");
    return u;
  }

  /** Runs a sign-in step; settles with what the library called back. */
  function step(start) {
    return new Promise((resolve) => {
      start({
        onSuccess: (session) => resolve({ kind: "success", session }),
        onFailure: (err) => resolve({ kind: "failure", err }),
        customChallenge: (parameters) => resolve({ kind: "custom", parameters }),
      });
    });
  }

  test("initiateAuth, a wrong answer, then the right one signs in", async () => {
    const u = user();
    const details = new AuthenticationDetails({ Username: "alice" });
    const first = await step((cb) => u.initiateAuth(details, cb));
    assert.equal(first.kind, "custom", JSON.stringify(first.err?.message));
    assert.equal(first.parameters.question, "What is 6 x 7?");
    assert.equal(first.parameters.answer, undefined, "the private answer stays private");

    const wrong = await step((cb) => u.sendCustomChallengeAnswer("41", cb));
    assert.equal(wrong.kind, "custom");
    const right = await step((cb) => u.sendCustomChallengeAnswer("42", cb, { app: "node" }));
    assert.equal(right.kind, "success", right.err?.message);
    const idToken = right.session.getIdToken();
    assert.equal(idToken.payload["cognito:username"], "alice");
    assert.ok(right.session.isValid());

    const verifies = lambda.events.filter((e) => e.name === "verify");
    assert.equal(verifies.at(-1).event.triggerSource, "VerifyAuthChallengeResponse_Authentication");
    assert.equal(verifies.at(-1).event.request.clientMetadata.app, "node");
    assert.ok(lambda.events.every((e) => e.signed), "every Invoke call is SigV4-signed");
    const define = lambda.events.filter((e) => e.name === "define").at(-1).event;
    assert.deepEqual(define.request.session, [
      { challengeName: "CUSTOM_CHALLENGE", challengeResult: false, challengeMetadata: "ARITHMETIC" },
      { challengeName: "CUSTOM_CHALLENGE", challengeResult: true, challengeMetadata: "ARITHMETIC" },
    ]);
  });

  test("three wrong answers fail the sign-in", async () => {
    const u = user();
    const first = await step((cb) => u.initiateAuth(new AuthenticationDetails({ Username: "alice" }), cb));
    assert.equal(first.kind, "custom");
    assert.equal((await step((cb) => u.sendCustomChallengeAnswer("1", cb))).kind, "custom");
    assert.equal((await step((cb) => u.sendCustomChallengeAnswer("2", cb))).kind, "custom");
    const failed = await step((cb) => u.sendCustomChallengeAnswer("3", cb));
    assert.equal(failed.kind, "failure");
    assert.equal(failed.err.code, "NotAuthorizedException");
  });

  test("authenticateUser with CUSTOM_AUTH proves the password by SRP before the challenge", async () => {
    const u = user();
    const details = new AuthenticationDetails({ Username: "alice", Password: PASSWORD });
    const first = await step((cb) => u.authenticateUser(details, cb));
    assert.equal(first.kind, "custom", first.err?.message);
    const define = lambda.events.filter((e) => e.name === "define").at(-1).event;
    assert.deepEqual(define.request.session, [
      { challengeName: "SRP_A", challengeResult: true },
      { challengeName: "PASSWORD_VERIFIER", challengeResult: true },
    ]);
    const done = await step((cb) => u.sendCustomChallengeAnswer("42", cb));
    assert.equal(done.kind, "success", done.err?.message);

    const wrongPassword = user();
    const refused = await step((cb) =>
      wrongPassword.authenticateUser(new AuthenticationDetails({ Username: "alice", Password: "Wr0ng-password!" }), cb),
    );
    assert.equal(refused.kind, "failure");
    assert.equal(refused.err.code, "NotAuthorizedException");
  });
});
