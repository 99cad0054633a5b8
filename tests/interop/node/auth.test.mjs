// Interop: real public JavaScript clients from npm against a running cognate.
//
// amazon-cognito-identity-js (the library behind Amplify v5's Auth) signs in with real SRP
// (USER_SRP_AUTH → PASSWORD_VERIFIER), refreshes, reads attributes, changes the password and
// signs out globally; aws-jwt-verify checks the tokens against the pool's JWKS, both with a
// plain JWKS URI (JwtRsaVerifier) and as Cognito tokens (CognitoJwtVerifier, against a second
// server whose issuers are AWS's).
//
// Run by scripts/interop-node.sh with COGNATE_BIN pointing at the built binary:
//   COGNATE_BIN=target/debug/cognate node --test tests/interop/node/

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import cognito from "amazon-cognito-identity-js";
import { CognitoJwtVerifier, JwtRsaVerifier } from "aws-jwt-verify";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import {
  CognitoJwtInvalidTokenUseError,
  JwtInvalidClaimError,
  JwtInvalidSignatureError,
  KidNotFoundInJwksError,
} from "aws-jwt-verify/error";

import { call, memoryStorage, nodeCallback, startServer } from "./cognate_server.mjs";

const { AuthenticationDetails, CognitoUser, CognitoUserPool, CognitoUserSession } = cognito;

const PASSWORD = "Passw0rd!";
const NEW_PASSWORD = "N3w-Passw0rd!";

// ---------------------------------------------------------------------------------------------
// Fixtures (the server is started and called through cognate_server.mjs)

async function getJson(url) {
  const resp = await fetch(url);
  const text = await resp.text();
  assert.equal(resp.status, 200, `GET ${url} → HTTP ${resp.status}: ${text}`);
  return JSON.parse(text);
}

/** A pool and a public client allowing SRP, password and refresh sign-in. */
async function createPoolAndClient(baseUrl, name) {
  const { UserPool } = await call(baseUrl, "CreateUserPool", { PoolName: name });
  const { UserPoolClient } = await call(baseUrl, "CreateUserPoolClient", {
    UserPoolId: UserPool.Id,
    ClientName: `${name}-web`,
    ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"],
  });
  return { poolId: UserPool.Id, clientId: UserPoolClient.ClientId };
}

/** A confirmed user with a verified email and a permanent password. */
async function createUser(baseUrl, poolId, username, password = PASSWORD) {
  const email = `${username}@example.com`;
  await call(baseUrl, "AdminCreateUser", {
    UserPoolId: poolId,
    Username: username,
    UserAttributes: [
      { Name: "email", Value: email },
      { Name: "email_verified", Value: "true" },
    ],
    MessageAction: "SUPPRESS",
  });
  await call(baseUrl, "AdminSetUserPassword", { UserPoolId: poolId, Username: username, Password: password, Permanent: true });
  return { username, email, password };
}

// ---------------------------------------------------------------------------------------------
// amazon-cognito-identity-js, promisified

function userPool(baseUrl, { poolId, clientId }, storage) {
  return new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: baseUrl, Storage: storage });
}

function cognitoUser(pool, username, storage) {
  return new CognitoUser({ Username: username, Pool: pool, Storage: storage });
}

/** authenticateUser with the default flow (USER_SRP_AUTH); resolves to the session. */
function authenticate(user, username, password) {
  return new Promise((resolve, reject) => {
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: (session) => resolve(session),
      onFailure: (err) => reject(err),
      newPasswordRequired: (attrs) => reject(new Error(`unexpected newPasswordRequired: ${JSON.stringify(attrs)}`)),
      mfaRequired: (name) => reject(new Error(`unexpected mfaRequired: ${name}`)),
      totpRequired: (name) => reject(new Error(`unexpected totpRequired: ${name}`)),
      customChallenge: (params) => reject(new Error(`unexpected customChallenge: ${JSON.stringify(params)}`)),
      selectMFAType: (name) => reject(new Error(`unexpected selectMFAType: ${name}`)),
      mfaSetup: (name) => reject(new Error(`unexpected mfaSetup: ${name}`)),
    });
  });
}

/** Signs `username` in through SRP on a fresh CognitoUser; resolves to { user, session }. */
async function signIn(baseUrl, ids, username, password, storage = memoryStorage()) {
  const pool = userPool(baseUrl, ids, storage);
  const user = cognitoUser(pool, username, storage);
  const session = await authenticate(user, username, password);
  return { pool, user, session, storage };
}

/** Resolves to the error the promise rejects with; fails the test if it resolves. */
async function rejection(promise, what) {
  try {
    const value = await promise;
    assert.fail(`${what} succeeded but should have failed (got ${describeValue(value)})`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    return err;
  }
}

function describeValue(v) {
  if (v instanceof CognitoUserSession) return "a session";
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

const refreshSession = (user, refreshToken) =>
  new Promise((resolve, reject) => user.refreshSession(refreshToken, nodeCallback(resolve, reject)));
const getUserAttributes = (user) => new Promise((resolve, reject) => user.getUserAttributes(nodeCallback(resolve, reject)));
const changePassword = (user, oldPassword, newPassword) =>
  new Promise((resolve, reject) => user.changePassword(oldPassword, newPassword, nodeCallback(resolve, reject)));
const globalSignOut = (user) =>
  new Promise((resolve, reject) => user.globalSignOut({ onSuccess: resolve, onFailure: reject }));

/** The decoded (unverified) payload of a JWT. */
function claims(jwt) {
  const parts = jwt.split(".");
  assert.equal(parts.length, 3, `not a JWT: ${jwt}`);
  return JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
}

function header(jwt) {
  return JSON.parse(Buffer.from(jwt.split(".")[0], "base64url").toString("utf8"));
}

/** A JWKS cache for aws-jwt-verify whose fetcher uses plain fetch (the library's own only speaks https). */
function jwksCacheOverFetch(fetched) {
  return new SimpleJwksCache({
    fetcher: {
      async fetch(uri) {
        fetched.push(uri);
        const resp = await fetch(uri);
        if (resp.status !== 200) throw new Error(`GET ${uri} → HTTP ${resp.status}: ${await resp.text()}`);
        return resp.arrayBuffer();
      },
    },
  });
}

/** A JWKS cache that refuses to fetch anything: the verifier must work from cacheJwks alone. */
function offlineJwksCache(attempts) {
  return new SimpleJwksCache({
    fetcher: {
      async fetch(uri) {
        attempts.push(uri);
        throw new Error(`the verifier tried to fetch ${uri}`);
      },
    },
  });
}

let usernameCounter = 0;
const nextUsername = (what) => `${what}-${process.pid}-${++usernameCounter}`;

// ---------------------------------------------------------------------------------------------

describe("cognate with amazon-cognito-identity-js and aws-jwt-verify", () => {
  let server;
  let baseUrl;
  let ids; // { poolId, clientId }

  before(async () => {
    server = await startServer();
    baseUrl = server.url;
    ids = await createPoolAndClient(baseUrl, "interop-node");
  });

  after(async () => {
    await server?.stop();
  });

  test("authenticateUser signs in with real SRP (USER_SRP_AUTH) and returns valid tokens", async () => {
    const u = await createUser(baseUrl, ids.poolId, nextUsername("srp"));
    const { user, session } = await signIn(baseUrl, ids, u.username, u.password);

    assert.equal(user.getAuthenticationFlowType(), "USER_SRP_AUTH");
    assert.ok(session.isValid(), "the session is valid");
    assert.ok(session.getRefreshToken().getToken(), "a refresh token is returned");

    const id = session.getIdToken().decodePayload();
    assert.equal(id["cognito:username"], u.username);
    assert.equal(id.email, u.email);
    assert.equal(id.token_use, "id");
    assert.equal(id.aud, ids.clientId);
    assert.equal(id.iss, `${baseUrl}/${ids.poolId}`);
    assert.ok(id.sub, "the ID token has a sub");

    const access = session.getAccessToken().decodePayload();
    assert.equal(access.token_use, "access");
    assert.equal(access.client_id, ids.clientId);
    assert.equal(access.username, u.username);
    assert.equal(access.sub, id.sub);
    assert.ok(access.exp > Math.floor(Date.now() / 1000), "the access token is not expired");
  });

  test("authenticateUser with a wrong password fails with NotAuthorizedException", async () => {
    const u = await createUser(baseUrl, ids.poolId, nextUsername("wrongpw"));
    const err = await rejection(signIn(baseUrl, ids, u.username, "Wr0ng-Password!"), "sign-in with a wrong password");
    assert.equal(err.code, "NotAuthorizedException", `error: ${err.code}: ${err.message}`);
  });

  test("refreshSession returns new valid tokens", async () => {
    const u = await createUser(baseUrl, ids.poolId, nextUsername("refresh"));
    const { user, session } = await signIn(baseUrl, ids, u.username, u.password);
    const oldId = session.getIdToken().decodePayload();

    const refreshed = await refreshSession(user, session.getRefreshToken());
    assert.ok(refreshed instanceof CognitoUserSession, "refreshSession resolves to a session");
    assert.ok(refreshed.isValid(), "the refreshed session is valid");

    const newId = refreshed.getIdToken().decodePayload();
    assert.ok(newId.iat >= oldId.iat, `new iat ${newId.iat} >= old iat ${oldId.iat}`);
    assert.equal(newId.token_use, "id");
    assert.equal(newId["cognito:username"], u.username);
    assert.equal(newId.sub, oldId.sub);

    const newAccess = refreshed.getAccessToken().decodePayload();
    assert.equal(newAccess.token_use, "access");
    assert.equal(newAccess.client_id, ids.clientId);
    assert.equal(user.getSignInUserSession(), refreshed, "the user now holds the refreshed session");
  });

  test("getUserAttributes returns the email attribute", async () => {
    const u = await createUser(baseUrl, ids.poolId, nextUsername("attrs"));
    const { user } = await signIn(baseUrl, ids, u.username, u.password);

    const attributes = await getUserAttributes(user);
    const byName = Object.fromEntries(attributes.map((a) => [a.getName(), a.getValue()]));
    assert.equal(byName.email, u.email, `attributes: ${JSON.stringify(byName)}`);
    assert.equal(byName.email_verified, "true", `attributes: ${JSON.stringify(byName)}`);
    assert.ok(byName.sub, `attributes: ${JSON.stringify(byName)}`);
  });

  test("changePassword: the new password signs in, the old one no longer does", async () => {
    const u = await createUser(baseUrl, ids.poolId, nextUsername("chpw"));
    const { user } = await signIn(baseUrl, ids, u.username, u.password);

    assert.equal(await changePassword(user, u.password, NEW_PASSWORD), "SUCCESS");

    const withNew = await signIn(baseUrl, ids, u.username, NEW_PASSWORD);
    assert.ok(withNew.session.isValid(), "sign-in with the new password gives a valid session");
    assert.equal(withNew.session.getIdToken().decodePayload()["cognito:username"], u.username);

    const err = await rejection(signIn(baseUrl, ids, u.username, u.password), "sign-in with the old password");
    assert.equal(err.code, "NotAuthorizedException", `error: ${err.code}: ${err.message}`);
  });

  test("globalSignOut revokes the refresh token and the access token", async () => {
    const u = await createUser(baseUrl, ids.poolId, nextUsername("signout"));
    const { pool, user, session, storage } = await signIn(baseUrl, ids, u.username, u.password);

    // Control: before the sign-out both the access token and the refresh token work.
    const probe = cognitoUser(pool, u.username, storage);
    probe.setSignInUserSession(session);
    assert.ok((await getUserAttributes(probe)).length > 0);

    assert.equal(await globalSignOut(user), "SUCCESS");

    const again = cognitoUser(pool, u.username, storage);
    const refreshErr = await rejection(refreshSession(again, session.getRefreshToken()), "refresh after globalSignOut");
    assert.equal(refreshErr.code, "NotAuthorizedException", `error: ${refreshErr.code}: ${refreshErr.message}`);

    const stale = cognitoUser(pool, u.username, storage);
    stale.setSignInUserSession(session); // the old (locally still unexpired) tokens
    const getUserErr = await rejection(getUserAttributes(stale), "getUserAttributes with a revoked access token");
    assert.equal(getUserErr.code, "NotAuthorizedException", `error: ${getUserErr.code}: ${getUserErr.message}`);
  });

  test("aws-jwt-verify JwtRsaVerifier verifies the ID and access tokens through the pool's jwks_uri", async () => {
    const u = await createUser(baseUrl, ids.poolId, nextUsername("jwtrsa"));
    const { session } = await signIn(baseUrl, ids, u.username, u.password);
    const idToken = session.getIdToken().getJwtToken();
    const accessToken = session.getAccessToken().getJwtToken();
    const issuer = `${baseUrl}/${ids.poolId}`;
    const jwksUri = `${issuer}/.well-known/jwks.json`;

    const fetched = [];
    const idVerifier = JwtRsaVerifier.create(
      { issuer, audience: ids.clientId, jwksUri },
      { jwksCache: jwksCacheOverFetch(fetched) },
    );
    const idPayload = await idVerifier.verify(idToken);
    assert.deepEqual(fetched, [jwksUri], "the JWKS was fetched from the jwks_uri");
    assert.equal(idPayload["cognito:username"], u.username);
    assert.equal(idPayload.token_use, "id");
    assert.equal(idPayload.aud, ids.clientId);

    // Access tokens carry no aud: the client is in client_id.
    const accessVerifier = JwtRsaVerifier.create(
      {
        issuer,
        audience: null,
        jwksUri,
        customJwtCheck: ({ payload }) => {
          if (payload.token_use !== "access") throw new Error(`token_use is ${payload.token_use}`);
          if (payload.client_id !== ids.clientId) throw new Error(`client_id is ${payload.client_id}`);
        },
      },
      { jwksCache: jwksCacheOverFetch([]) },
    );
    const accessPayload = await accessVerifier.verify(accessToken);
    assert.equal(accessPayload.client_id, ids.clientId);
    assert.equal(accessPayload.username, u.username);

    // The verifiers are not rubber stamps.
    await assert.rejects(accessVerifier.verify(idToken), /token_use is id/);
    await assert.rejects(idVerifier.verify(accessToken), JwtInvalidClaimError); // no aud claim
    const otherAudience = JwtRsaVerifier.create(
      { issuer, audience: "some-other-client", jwksUri },
      { jwksCache: jwksCacheOverFetch([]) },
    );
    await assert.rejects(otherAudience.verify(idToken), JwtInvalidClaimError);
    const [h, p, s] = idToken.split(".");
    const forged = Buffer.from(
      JSON.stringify({ ...claims(idToken), "cognito:username": "someone-else" }),
    ).toString("base64url");
    await assert.rejects(idVerifier.verify(`${h}.${forged}.${s}`), JwtInvalidSignatureError);
    assert.notEqual(forged, p);
  });

  test("the discovery document and the JWKS describe the pool", async () => {
    const issuer = `${baseUrl}/${ids.poolId}`;
    const discovery = await getJson(`${issuer}/.well-known/openid-configuration`);
    assert.equal(discovery.issuer, issuer);
    assert.equal(discovery.jwks_uri, `${issuer}/.well-known/jwks.json`);

    const jwks = await getJson(`${issuer}/.well-known/jwks.json`);
    assert.ok(Array.isArray(jwks.keys), `jwks: ${JSON.stringify(jwks)}`);
    assert.equal(jwks.keys.length, 2, `jwks: ${JSON.stringify(jwks)}`);
    for (const key of jwks.keys) {
      assert.equal(key.kty, "RSA", `key: ${JSON.stringify(key)}`);
      assert.ok(key.kid && key.n && key.e, `key: ${JSON.stringify(key)}`);
      if (key.alg !== undefined) assert.equal(key.alg, "RS256");
      if (key.use !== undefined) assert.equal(key.use, "sig");
    }
    assert.notEqual(jwks.keys[0].kid, jwks.keys[1].kid, "the two keys have distinct kids");
  });

  describe("CognitoJwtVerifier against a server issuing AWS's issuers (--issuer-base)", () => {
    let server2;
    let baseUrl2;
    let ids2;
    let user2;
    let tokens2; // { idToken, accessToken }
    let jwks2;

    before(async () => {
      server2 = await startServer("--issuer-base", "https://cognito-idp.{region}.amazonaws.com");
      baseUrl2 = server2.url;
      ids2 = await createPoolAndClient(baseUrl2, "interop-node-aws-issuer");
      user2 = await createUser(baseUrl2, ids2.poolId, nextUsername("cognitojwt"));
      const { session } = await signIn(baseUrl2, ids2, user2.username, user2.password);
      tokens2 = { idToken: session.getIdToken().getJwtToken(), accessToken: session.getAccessToken().getJwtToken() };
      jwks2 = await getJson(`${baseUrl2}/${ids2.poolId}/.well-known/jwks.json`);
    });

    after(async () => {
      await server2?.stop();
    });

    const region = () => ids2.poolId.split("_")[0];

    function verifier(tokenUse, attempts) {
      const v = CognitoJwtVerifier.create(
        { userPoolId: ids2.poolId, tokenUse, clientId: ids2.clientId },
        { jwksCache: offlineJwksCache(attempts) },
      );
      v.cacheJwks(jwks2);
      return v;
    }

    test("the ID token verifies as a Cognito ID token", async () => {
      const attempts = [];
      const payload = await verifier("id", attempts).verify(tokens2.idToken);
      assert.equal(payload["cognito:username"], user2.username);
      assert.equal(payload.iss, `https://cognito-idp.${region()}.amazonaws.com/${ids2.poolId}`);
      assert.equal(payload.token_use, "id");
      assert.equal(payload.aud, ids2.clientId);
      assert.equal(payload.email, user2.email);
      assert.deepEqual(attempts, [], "nothing was fetched");
    });

    test("the access token verifies as a Cognito access token", async () => {
      const attempts = [];
      const payload = await verifier("access", attempts).verify(tokens2.accessToken);
      assert.equal(payload.token_use, "access");
      assert.equal(payload.client_id, ids2.clientId);
      assert.equal(payload.username, user2.username);
      assert.deepEqual(attempts, [], "nothing was fetched");
    });

    test("the ID-token verifier rejects the access token", async () => {
      const attempts = [];
      await assert.rejects(verifier("id", attempts).verify(tokens2.accessToken), CognitoJwtInvalidTokenUseError);
      assert.deepEqual(attempts, [], "nothing was fetched");
    });

    test("a token of the first server (other issuer, other keys) is rejected", async () => {
      const u = await createUser(baseUrl, ids.poolId, nextUsername("otherserver"));
      const { session } = await signIn(baseUrl, ids, u.username, u.password);
      const foreign = session.getIdToken().getJwtToken();

      const attempts = [];
      await assert.rejects(verifier("id", attempts).verify(foreign));
      assert.deepEqual(attempts, [], "nothing was fetched");

      // The keys differ too, not only the issuer: the first server's kid is not in the second's JWKS,
      // and a verifier that skips the issuer check still refuses the token.
      const kids2 = jwks2.keys.map((k) => k.kid);
      assert.ok(!kids2.includes(header(foreign).kid), `kid ${header(foreign).kid} is in ${kids2}`);
      const keysOnly = JwtRsaVerifier.create(
        { issuer: null, audience: null, jwksUri: `${baseUrl2}/${ids2.poolId}/.well-known/jwks.json` },
        { jwksCache: jwksCacheOverFetch([]) },
      );
      await assert.rejects(keysOnly.verify(foreign), KidNotFoundInJwksError);
      // ...while it accepts the second server's own token.
      assert.equal((await keysOnly.verify(tokens2.idToken))["cognito:username"], user2.username);
    });
  });
});
