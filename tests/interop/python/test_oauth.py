"""The OAuth 2.0 endpoints through authlib, a relying party's library: it reads the
pool's discovery document, then gets machine-to-machine tokens with the
client-credentials grant, authenticating both ways the document advertises; and it runs
the authorization-code flow with PKCE through the hosted /login form (driven with
requests, as a browser without JavaScript would), then refresh, userInfo and revoke.
Tokens verify with joserfc against the JWKS, and the ID token passes authlib's own OIDC
checks (iss, aud, exp, nonce, at_hash)."""

import html
import json
import re
import secrets
import unittest
import urllib.request
import warnings
from urllib.parse import parse_qs, urljoin, urlparse

import requests

from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from cognate_server import Server, claims


class ClientCredentials(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        idp = cls.server.idp()
        cls.pool = idp.create_user_pool(PoolName="m2m")["UserPool"]["Id"]
        idp.create_resource_server(
            UserPoolId=cls.pool,
            Identifier="https://api.example.com",
            Name="api",
            Scopes=[
                {"ScopeName": "read", "ScopeDescription": "read"},
                {"ScopeName": "write", "ScopeDescription": "write"},
            ],
        )
        client = idp.create_user_pool_client(
            UserPoolId=cls.pool,
            ClientName="service",
            GenerateSecret=True,
            AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthFlows=["client_credentials"],
            AllowedOAuthScopes=["https://api.example.com/read", "https://api.example.com/write"],
        )["UserPoolClient"]
        cls.client_id, cls.secret = client["ClientId"], client["ClientSecret"]
        with urllib.request.urlopen(
            f"{cls.server.url}/{cls.pool}/.well-known/openid-configuration"
        ) as r:
            cls.discovery = json.load(r)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def session(self, method, **kwargs):
        return OAuth2Session(
            self.client_id,
            self.secret,
            token_endpoint_auth_method=method,
            **kwargs,
        )

    def test_discovery_names_the_token_endpoint_and_its_authentication(self):
        self.assertEqual(self.discovery["token_endpoint"], f"{self.server.url}/oauth2/token")
        self.assertEqual(self.discovery["issuer"], f"{self.server.url}/{self.pool}")
        self.assertIn("client_secret_basic", self.discovery["token_endpoint_auth_methods_supported"])
        self.assertIn("client_secret_post", self.discovery["token_endpoint_auth_methods_supported"])

    def test_client_credentials_with_basic_authentication(self):
        token = self.session("client_secret_basic").fetch_token(
            self.discovery["token_endpoint"], grant_type="client_credentials"
        )
        self.assertEqual(token["token_type"], "Bearer")
        self.assertEqual(token["expires_in"], 3600)
        access = claims(token["access_token"])
        self.assertEqual(access["client_id"], self.client_id)
        self.assertEqual(access["sub"], self.client_id)
        self.assertEqual(
            access["scope"], "https://api.example.com/read https://api.example.com/write"
        )
        # The token verifies against the JWKS the discovery document names.
        with urllib.request.urlopen(self.discovery["jwks_uri"]) as r:
            keys = KeySet.import_key_set(json.load(r))
        verified = jwt.decode(token["access_token"], keys, algorithms=["RS256"])
        jwt.JWTClaimsRegistry(iss={"essential": True, "value": self.discovery["issuer"]}).validate(
            verified.claims
        )

    def test_client_credentials_with_post_authentication_and_a_scope(self):
        token = self.session(
            "client_secret_post", scope="https://api.example.com/write"
        ).fetch_token(self.discovery["token_endpoint"], grant_type="client_credentials")
        self.assertEqual(claims(token["access_token"])["scope"], "https://api.example.com/write")

    def test_errors_are_oauth_errors(self):
        from authlib.integrations.base_client import OAuthError

        wrong = OAuth2Session(self.client_id, "not-the-secret")
        with self.assertRaises(OAuthError) as e:
            wrong.fetch_token(self.discovery["token_endpoint"], grant_type="client_credentials")
        self.assertEqual(e.exception.error, "invalid_client")
        with self.assertRaises(OAuthError) as e:
            self.session("client_secret_basic", scope="openid").fetch_token(
                self.discovery["token_endpoint"], grant_type="client_credentials"
            )
        self.assertEqual(e.exception.error, "invalid_scope")


CALLBACK = "https://app.example.com/callback"
PASSWORD = "Passw0rd!"


class AuthorizationCode(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        idp = cls.server.idp()
        cls.pool = idp.create_user_pool(PoolName="web")["UserPool"]["Id"]
        cls.client_id = idp.create_user_pool_client(
            UserPoolId=cls.pool,
            ClientName="spa",
            AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthFlows=["code"],
            AllowedOAuthScopes=["openid", "email"],
            SupportedIdentityProviders=["COGNITO"],
            CallbackURLs=[CALLBACK],
        )["UserPoolClient"]["ClientId"]
        idp.admin_create_user(
            UserPoolId=cls.pool,
            Username="alice",
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": "alice@example.com"},
                {"Name": "email_verified", "Value": "true"},
            ],
        )
        idp.admin_set_user_password(
            UserPoolId=cls.pool, Username="alice", Password=PASSWORD, Permanent=True
        )
        with urllib.request.urlopen(
            f"{cls.server.url}/{cls.pool}/.well-known/openid-configuration"
        ) as r:
            cls.discovery = json.load(r)
        with urllib.request.urlopen(cls.discovery["jwks_uri"]) as r:
            cls.keys = KeySet.import_key_set(json.load(r))

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def sign_in(self, browser, url, password=PASSWORD):
        """Follows the authorize URL to the hosted form and submits it; answers the last
        response (the redirect to the callback when the password is right)."""
        page = browser.get(url)
        self.assertEqual(page.status_code, 200, page.text)
        form = re.search(r'<form method="post" action="([^"]*)">', page.text)
        self.assertIsNotNone(form, page.text)
        fields = {
            html.unescape(name): html.unescape(value)
            for name, value in re.findall(
                r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page.text
            )
        }
        fields.update(username="alice", password=password)
        action = urljoin(page.url, html.unescape(form.group(1)))
        return browser.post(action, data=fields, allow_redirects=False)

    def test_code_flow_with_pkce_then_refresh_userinfo_and_revoke(self):
        oauth = OAuth2Session(
            self.client_id,
            scope="openid email",
            redirect_uri=CALLBACK,
            code_challenge_method="S256",
            token_endpoint_auth_method="none",
        )
        verifier = secrets.token_urlsafe(48)
        nonce = secrets.token_urlsafe(16)
        url, state = oauth.create_authorization_url(
            self.discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
        browser = requests.Session()
        # A wrong password stays on the form.
        wrong = self.sign_in(browser, url, password="Wr0ngPassword!")
        self.assertEqual(wrong.status_code, 200)
        self.assertIn("Incorrect username or password.", wrong.text)
        back = self.sign_in(browser, url)
        self.assertEqual(back.status_code, 302, back.text)
        callback = back.headers["Location"]
        self.assertTrue(callback.startswith(CALLBACK + "?"), callback)
        self.assertEqual(parse_qs(urlparse(callback).query)["state"], [state])

        token = oauth.fetch_token(
            self.discovery["token_endpoint"],
            authorization_response=callback,
            code_verifier=verifier,
        )
        self.assertEqual(token["token_type"], "Bearer")
        # The ID token: signature by the JWKS (joserfc), then authlib's OIDC checks.
        id_token = jwt.decode(token["id_token"], self.keys, algorithms=["RS256"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from authlib.oidc.core import CodeIDToken

            CodeIDToken(
                id_token.claims,
                id_token.header,
                options={
                    "iss": {"essential": True, "value": self.discovery["issuer"]},
                    "aud": {"essential": True, "value": self.client_id},
                    "nonce": {"essential": True, "value": nonce},
                },
                params={"nonce": nonce, "access_token": token["access_token"]},
            ).validate()
        self.assertEqual(id_token.claims["email"], "alice@example.com")
        self.assertEqual(claims(token["access_token"])["scope"], "openid email")

        # The code is spent: a second exchange is refused.
        from authlib.integrations.base_client import OAuthError

        with self.assertRaises(OAuthError) as e:
            OAuth2Session(self.client_id, redirect_uri=CALLBACK).fetch_token(
                self.discovery["token_endpoint"],
                authorization_response=callback,
                code_verifier=verifier,
            )
        self.assertEqual(e.exception.error, "invalid_grant")

        info = oauth.get(self.discovery["userinfo_endpoint"]).json()
        self.assertEqual(info["sub"], id_token.claims["sub"])
        self.assertEqual(info["email"], "alice@example.com")

        refreshed = oauth.refresh_token(
            self.discovery["token_endpoint"], refresh_token=token["refresh_token"]
        )
        self.assertEqual(claims(refreshed["access_token"])["scope"], "openid email")

        oauth.revoke_token(
            urljoin(self.server.url, "/oauth2/revoke"),
            token=token["refresh_token"],
            token_type_hint="refresh_token",
        )
        with self.assertRaises(OAuthError) as e:
            oauth.refresh_token(
                self.discovery["token_endpoint"], refresh_token=token["refresh_token"]
            )
        self.assertEqual(e.exception.error, "invalid_grant")

        # Signed in: a second authorize in the same browser needs no form.
        again, _ = oauth.create_authorization_url(
            self.discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
        sso = browser.get(again, allow_redirects=False)
        self.assertEqual(sso.status_code, 302)
        self.assertTrue(sso.headers["Location"].startswith(CALLBACK + "?code="))


if __name__ == "__main__":
    unittest.main()
