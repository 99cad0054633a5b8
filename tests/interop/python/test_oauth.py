"""The OAuth 2.0 token endpoint through authlib, a relying party's library: it reads the
pool's discovery document, then gets machine-to-machine tokens with the
client-credentials grant, authenticating both ways the document advertises; the
tokens verify with joserfc (authlib's JOSE library) against the JWKS."""

import json
import unittest
import urllib.request

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


if __name__ == "__main__":
    unittest.main()
