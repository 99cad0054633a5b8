// The hosted pages in a real browser: Debian's Chromium driven by playwright-core runs a
// small single-page app (served by this test) that signs in with the authorization-code
// flow and PKCE, exchanges the code at /oauth2/token and reads /oauth2/userInfo with
// fetch, as a web app does. Covered: password sign-in (a screenshot of the login page is
// kept as an artifact) and single sign-on; sign-up with the code from
// /_cognate/messages; an authenticator app set up on the page where the pool requires
// MFA, and its code asked for at the next sign-in; a passkey added from the app
// (StartWebAuthnRegistration and CompleteWebAuthnRegistration with fetch and
// navigator.credentials.create) that then signs in on the page, and a second one
// added on managed login's /passkeys/add, with Chromium's virtual authenticator; and a
// federated sign-in: the page's "Sign in with Corp" button leads to a second cognate,
// the OIDC identity provider, whose sign-in page sends the browser back through
// /oauth2/idpresponse to the app, signed in as the federated user.
//
// CHROMIUM names the browser (default /usr/bin/chromium); COGNATE_ARTIFACTS the folder
// the screenshot goes to (default a temporary folder).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { chromium } from "playwright-core";

import { call, startServer, stepNow, totp } from "./cognate_server.mjs";

const PASSWORD = "Passw0rd!";

/** The app: one page that starts the sign-in and, at /<app>/callback, finishes it. */
function appPage(cognate, clientId, scope) {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>App</title></head>
<body>
<button id="signin">Sign in</button>
<pre id="result"></pre>
<button id="register">Add a passkey</button>
<p id="registered"></p>
<script type="module">
const COGNATE = ${JSON.stringify(cognate)};
const CLIENT = ${JSON.stringify(clientId)};
const base = location.pathname.split("/").slice(0, 2).join("/");
const redirectUri = location.origin + base + "/callback";
const SCOPE = ${JSON.stringify(scope)};
const b64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
  .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
document.getElementById("signin").addEventListener("click", async () => {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem("pkce", JSON.stringify({ verifier, state }));
  const q = new URLSearchParams({
    response_type: "code", client_id: CLIENT, redirect_uri: redirectUri,
    scope: SCOPE, state, code_challenge: challenge, code_challenge_method: "S256",
  });
  location.assign(COGNATE + "/oauth2/authorize?" + q);
});
if (location.pathname.endsWith("/callback")) {
  const out = document.getElementById("result");
  try {
    const p = new URLSearchParams(location.search);
    const { verifier, state } = JSON.parse(sessionStorage.getItem("pkce"));
    if (p.get("state") !== state) throw new Error("state mismatch");
    const t = await fetch(COGNATE + "/oauth2/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code", client_id: CLIENT, code: p.get("code"),
        redirect_uri: redirectUri, code_verifier: verifier,
      }),
    });
    const tokens = await t.json();
    if (!t.ok) throw new Error("token: " + JSON.stringify(tokens));
    sessionStorage.setItem("access", tokens.access_token);
    const u = await fetch(COGNATE + "/oauth2/userInfo", {
      headers: { Authorization: "Bearer " + tokens.access_token },
    });
    out.textContent = JSON.stringify({ userInfo: await u.json(), tokenType: tokens.token_type });
  } catch (e) {
    out.textContent = JSON.stringify({ error: String(e) });
  }
}
const api = async (op, body) => {
  const r = await fetch(COGNATE + "/", {
    method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService." + op },
    body: JSON.stringify(body),
  });
  const answer = await r.json();
  if (!r.ok) throw new Error(op + ": " + JSON.stringify(answer));
  return answer;
};
document.getElementById("register").addEventListener("click", async () => {
  const out = document.getElementById("registered");
  try {
    const access = sessionStorage.getItem("access");
    const { CredentialCreationOptions: o } = await api("StartWebAuthnRegistration", { AccessToken: access });
    const publicKey = { ...o, challenge: b64(o.challenge), user: { ...o.user, id: b64(o.user.id) },
      excludeCredentials: (o.excludeCredentials || []).map((d) => ({ ...d, id: b64(d.id) })) };
    const k = await navigator.credentials.create({ publicKey });
    await api("CompleteWebAuthnRegistration", { AccessToken: access, Credential: {
      id: k.id, rawId: b64url(k.rawId), type: k.type, authenticatorAttachment: k.authenticatorAttachment,
      clientExtensionResults: k.getClientExtensionResults(),
      response: { clientDataJSON: b64url(k.response.clientDataJSON),
        attestationObject: b64url(k.response.attestationObject), transports: k.response.getTransports() },
    } });
    out.textContent = "registered";
  } catch (e) {
    out.textContent = "error: " + e;
  }
});
</script>
</body></html>`;
}

/** Serves the app for each of `apps` (name → [client id, scope]) at
 * http://localhost:<port>/<name>/. */
async function serveApps(cognate, apps) {
  const server = createServer((req, res) => {
    const name = req.url.split("/")[1];
    if (!apps[name]) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(appPage(cognate, ...apps[name]));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://localhost:${server.address().port}`, close: () => server.close() };
}

async function codeFlowClient(baseUrl, poolId, appUrl, name, scopes = ["openid", "email"], providers = ["COGNITO"]) {
  const { UserPoolClient } = await call(baseUrl, "CreateUserPoolClient", {
    UserPoolId: poolId,
    ClientName: name,
    AllowedOAuthFlowsUserPoolClient: true,
    AllowedOAuthFlows: ["code"],
    AllowedOAuthScopes: scopes,
    SupportedIdentityProviders: providers,
    CallbackURLs: [`${appUrl}/${name}/callback`],
  });
  return [UserPoolClient.ClientId, scopes.join(" ")];
}

async function addUser(baseUrl, poolId, username) {
  await call(baseUrl, "AdminCreateUser", {
    UserPoolId: poolId,
    Username: username,
    MessageAction: "SUPPRESS",
    UserAttributes: [
      { Name: "email", Value: `${username}@example.com` },
      { Name: "email_verified", Value: "true" },
    ],
  });
  await call(baseUrl, "AdminSetUserPassword", { UserPoolId: poolId, Username: username, Password: PASSWORD, Permanent: true });
}

/** What the app shows once signed in. */
async function appResult(page) {
  await page.waitForFunction(() => document.getElementById("result")?.textContent, null, { timeout: 15_000 });
  const result = JSON.parse(await page.textContent("#result"));
  assert.equal(result.error, undefined, JSON.stringify(result));
  return result;
}

describe("the hosted pages in Chromium", () => {
  let server;
  let apps;
  let browser;
  let plain;
  let mfa;
  let passwordPool;
  let passkeyClient;
  let provider;
  let fedPool;

  before(async () => {
    server = await startServer();
    provider = await startServer();
    const { UserPool: a } = await call(server.url, "CreateUserPool", {
      PoolName: "web",
      AutoVerifiedAttributes: ["email"],
      Schema: [{ Name: "email", AttributeDataType: "String", Required: true, Mutable: true }],
    });
    const { UserPool: b } = await call(server.url, "CreateUserPool", {
      PoolName: "web-mfa",
    });
    await call(server.url, "SetUserPoolMfaConfig", {
      UserPoolId: b.Id,
      MfaConfiguration: "ON",
      SoftwareTokenMfaConfiguration: { Enabled: true },
    });
    // Passkeys: the relying party is "localhost", so the browser reaches cognate as
    // http://localhost:<port> (WebAuthn takes no IP address as a relying party).
    const { UserPool: p } = await call(server.url, "CreateUserPool", {
      PoolName: "web-passkeys",
      Policies: { SignInPolicy: { AllowedFirstAuthFactors: ["PASSWORD", "WEB_AUTHN"] } },
    });
    await call(server.url, "SetUserPoolMfaConfig", {
      UserPoolId: p.Id,
      MfaConfiguration: "OFF",
      WebAuthnConfiguration: { RelyingPartyId: "localhost", UserVerification: "preferred" },
    });
    passwordPool = a.Id;
    mfa = { pool: b.Id };
    // The app's URL is known before its clients: serve first, register after.
    const clients = {};
    apps = await serveApps(server.url.replace("127.0.0.1", "localhost"), clients);
    clients.plain = await codeFlowClient(server.url, a.Id, apps.url, "plain");
    clients.mfa = await codeFlowClient(server.url, b.Id, apps.url, "mfa");
    clients.passkey = await codeFlowClient(server.url, p.Id, apps.url, "passkey", [
      "openid",
      "email",
      "aws.cognito.signin.user.admin",
    ]);
    passkeyClient = clients.passkey[0];
    // Federation: a pool of the second cognate is the identity provider "Corp". The
    // browser reaches it as 127.0.0.1 and us as localhost, so their cookies stay apart.
    const { UserPool: corp } = await call(provider.url, "CreateUserPool", { PoolName: "corp" });
    const { UserPoolClient: upstream } = await call(provider.url, "CreateUserPoolClient", {
      UserPoolId: corp.Id,
      ClientName: "cognate",
      GenerateSecret: true,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ["code"],
      AllowedOAuthScopes: ["openid", "email", "profile"],
      SupportedIdentityProviders: ["COGNITO"],
      CallbackURLs: [`${server.url.replace("127.0.0.1", "localhost")}/oauth2/idpresponse`],
    });
    await addUser(provider.url, corp.Id, "erin");
    const { UserPool: f } = await call(server.url, "CreateUserPool", { PoolName: "web-federated" });
    await call(server.url, "CreateIdentityProvider", {
      UserPoolId: f.Id,
      ProviderName: "Corp",
      ProviderType: "OIDC",
      ProviderDetails: {
        client_id: upstream.ClientId,
        client_secret: upstream.ClientSecret,
        attributes_request_method: "GET",
        oidc_issuer: `${provider.url}/${corp.Id}`,
        authorize_scopes: "openid email profile",
      },
      AttributeMapping: { email: "email" },
    });
    fedPool = f.Id;
    clients.federated = await codeFlowClient(server.url, f.Id, apps.url, "federated", ["openid", "email"], [
      "COGNITO",
      "Corp",
    ]);
    plain = { pool: a.Id };
    await addUser(server.url, a.Id, "alice");
    await addUser(server.url, b.Id, "carol");
    await addUser(server.url, p.Id, "dave");
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox"],
    });
  });

  after(async () => {
    await browser?.close();
    apps?.close();
    await server?.stop();
    await provider?.stop();
  });

  test("code flow with PKCE through the login page, then single sign-on", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${apps.url}/plain/`);
    await page.click("#signin");
    await page.waitForURL(/\/login\?/);
    const folder = process.env.COGNATE_ARTIFACTS || mkdtempSync(join(tmpdir(), "cognate-artifacts-"));
    mkdirSync(folder, { recursive: true });
    const shot = join(folder, "hosted-login.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot of the login page: ${shot}`);

    await page.fill('input[name="username"]', "alice");
    await page.fill('input[name="password"]', "Wrong-Passw0rd!");
    await page.click('button[name="signInSubmitButton"]');
    assert.match(await page.textContent('[role="alert"]'), /Incorrect username or password/);
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[name="signInSubmitButton"]');
    await page.waitForURL(/\/plain\/callback\?/);
    const { userInfo, tokenType } = await appResult(page);
    assert.equal(tokenType, "Bearer");
    assert.equal(userInfo.username, "alice");
    assert.equal(userInfo.email, "alice@example.com");

    // Signed in to the pool: the next authorize comes straight back with a code.
    const visited = [];
    page.on("request", (r) => visited.push(r.url()));
    await page.goto(`${apps.url}/plain/`);
    await page.click("#signin");
    await page.waitForURL(/\/plain\/callback\?/);
    assert.equal((await appResult(page)).userInfo.username, "alice");
    assert.ok(!visited.some((u) => u.includes("/login?")), visited.join("\n"));
    await context.close();
  });

  test("sign-up on the page with the emailed code", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${apps.url}/plain/`);
    await page.click("#signin");
    await page.waitForURL(/\/login\?/);
    await page.click("text=Sign up");
    await page.waitForURL(/\/signup\?/);
    await page.fill('input[name="username"]', "bob");
    await page.fill('input[name="email"]', "bob@example.com");
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button:has-text("Sign up")');
    await page.waitForSelector('input[name="code"], [role="alert"]');
    assert.equal(await page.$('[role="alert"]'), null, await page.content());
    const r = await fetch(`${server.url}/_cognate/messages?userPoolId=${plain.pool}&username=bob`);
    const { messages } = await r.json();
    const sent = messages.at(-1);
    assert.equal(sent.kind, "SIGN_UP");
    assert.equal(sent.destination, "bob@example.com");
    await page.fill('input[name="code"]', sent.code);
    await page.click('button:has-text("Confirm account")');
    await page.waitForURL(/\/plain\/callback\?/);
    const { userInfo } = await appResult(page);
    assert.equal(userInfo.username, "bob");
    assert.equal(userInfo.email, "bob@example.com");
    assert.equal(userInfo.email_verified, "true");
    const user = await call(server.url, "AdminGetUser", { UserPoolId: passwordPool, Username: "bob" });
    assert.equal(user.UserStatus, "CONFIRMED");
    await context.close();
  });

  test("an authenticator app set up on the page, then asked for", async () => {
    const first = await browser.newContext();
    const page = await first.newPage();
    await page.goto(`${apps.url}/mfa/`);
    await page.click("#signin");
    await page.waitForURL(/\/login\?/);
    await page.fill('input[name="username"]', "carol");
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[name="signInSubmitButton"]');
    const secret = (await page.textContent("#totp-secret")).trim();
    const step = stepNow();
    await page.fill('input[name="code"]', totp(secret, step));
    await page.click('button:has-text("Verify")');
    await page.waitForURL(/\/mfa\/callback\?/);
    assert.equal((await appResult(page)).userInfo.username, "carol");
    await first.close();

    const second = await browser.newContext();
    const again = await second.newPage();
    await again.goto(`${apps.url}/mfa/`);
    await again.click("#signin");
    await again.waitForURL(/\/login\?/);
    await again.fill('input[name="username"]', "carol");
    await again.fill('input[name="password"]', PASSWORD);
    await again.click('button[name="signInSubmitButton"]');
    assert.equal(await again.inputValue('input[name="challenge"]'), "SOFTWARE_TOKEN_MFA");
    await again.fill('input[name="code"]', totp(secret, step + 1));
    await again.click('button:has-text("Sign in")');
    await again.waitForURL(/\/mfa\/callback\?/);
    assert.equal((await appResult(again)).userInfo.username, "carol");
    await second.close();
    const user = await call(server.url, "AdminGetUser", { UserPoolId: mfa.pool, Username: "carol" });
    assert.deepEqual(user.UserMFASettingList, ["SOFTWARE_TOKEN_MFA"]);
  });

  test("a passkey added from the app signs in on the page", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const authenticator = {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    };
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", authenticator);
    await page.goto(`${apps.url}/passkey/`);
    await page.click("#signin");
    await page.waitForURL(/\/login\?/);
    await page.fill('input[name="username"]', "dave");
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[name="signInSubmitButton"]');
    await page.waitForURL(/\/passkey\/callback\?/);
    assert.equal((await appResult(page)).userInfo.username, "dave");
    await page.click("#register");
    await page.waitForFunction(() => document.getElementById("registered")?.textContent);
    assert.equal(await page.textContent("#registered"), "registered");

    // Signed out (no session cookie), then in again with the passkey alone.
    await context.clearCookies();
    await page.click("#signin");
    await page.waitForURL(/\/login\?/);
    await page.fill('input[name="username"]', "dave");
    await page.click('button[name="passkey"]');
    await page.waitForSelector("#passkey-button");
    await page.click("#passkey-button");
    await page.waitForURL(/\/passkey\/callback\?/);
    assert.equal((await appResult(page)).userInfo.username, "dave");

    // Managed login's /passkeys/add: the signed-in browser adds a passkey on a second
    // authenticator (the first already holds one, which the options exclude) and goes
    // back to the app.
    await cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId });
    await cdp.send("WebAuthn.addVirtualAuthenticator", authenticator);
    const access = await page.evaluate(() => sessionStorage.getItem("access"));
    const back = `${apps.url}/passkey/callback`;
    const cognate = server.url.replace("127.0.0.1", "localhost");
    await page.goto(
      `${cognate}/passkeys/add?client_id=${passkeyClient}&redirect_uri=${encodeURIComponent(back)}`,
    );
    await page.click("#passkey-button");
    await page.waitForURL((u) => u.href.startsWith(back));
    const { Credentials } = await call(server.url, "ListWebAuthnCredentials", { AccessToken: access });
    assert.equal(Credentials.length, 2);
    await context.close();
  });

  test("a federated sign-in through the OIDC provider's page", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${apps.url}/federated/`);
    await page.click("#signin");
    await page.waitForURL(/\/login\?/);
    await page.click("text=Sign in with Corp");
    // The provider's own sign-in page.
    await page.waitForURL((u) => u.href.startsWith(provider.url) && u.pathname === "/login");
    await page.fill('input[name="username"]', "erin");
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[name="signInSubmitButton"]');
    await page.waitForURL(/\/federated\/callback\?/);
    const { userInfo } = await appResult(page);
    assert.match(userInfo.username, /^Corp_[0-9a-f-]{36}$/);
    assert.equal(userInfo.email, "erin@example.com");
    const { UserStatus } = await call(server.url, "AdminGetUser", { UserPoolId: fedPool, Username: userInfo.username });
    assert.equal(UserStatus, "EXTERNAL_PROVIDER");
    await context.close();
  });
});
