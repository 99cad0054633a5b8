"""Interop: sign-in with real clients from PyPI against a running cognate.

pycognito runs real SRP (USER_SRP_AUTH → PASSWORD_VERIFIER) and verifies the tokens it
gets against the pool's JWKS; boto3 drives USER_PASSWORD_AUTH, the admin flows, the
NEW_PASSWORD_REQUIRED challenge, refresh and revocation.

Run by scripts/test.sh with COGNATE_BIN pointing at the built binary.
"""

import base64
import hashlib
import hmac
import json
import unittest
import urllib.request

from botocore.exceptions import ClientError
from pycognito import Cognito
from cognate_server import Server, claims, error_code

PASSWORD = "Passw0rd!"


def setUpModule():
    global SERVER
    SERVER = Server()


def tearDownModule():
    SERVER.stop()


class AuthTest(unittest.TestCase):
    def setUp(self):
        self.idp = SERVER.idp()
        self.pool = self.idp.create_user_pool(PoolName="interop-auth")["UserPool"]["Id"]
        self.client_id = self.idp.create_user_pool_client(
            UserPoolId=self.pool,
            ClientName="app",
            ExplicitAuthFlows=[
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
        )["UserPoolClient"]["ClientId"]

    def make_user(self, name, permanent=True):
        self.idp.admin_create_user(
            UserPoolId=self.pool,
            Username=name,
            UserAttributes=[
                {"Name": "email", "Value": f"{name}@example.com"},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
            TemporaryPassword="Temp0rary!",
        )
        if permanent:
            self.idp.admin_set_user_password(UserPoolId=self.pool, Username=name, Password=PASSWORD, Permanent=True)

    def pycognito(self, username):
        # pycognito's endpoint_url serves both its API calls and its JWKS lookups.
        return Cognito(
            self.pool,
            self.client_id,
            username=username,
            boto3_client_kwargs={
                "endpoint_url": SERVER.url,
                "aws_access_key_id": "AKIDTEST",
                "aws_secret_access_key": "secret",
            },
        )

    def test_pycognito_signs_in_with_srp_and_verifies_tokens_against_the_jwks(self):
        self.make_user("alice")
        u = self.pycognito("alice")
        u.authenticate(password=PASSWORD)
        id_claims = u.verify_token(u.id_token, "id_token", "id")
        self.assertEqual(id_claims["cognito:username"], "alice")
        self.assertEqual(id_claims["email"], "alice@example.com")
        self.assertIs(id_claims["email_verified"], True)
        access_claims = u.verify_token(u.access_token, "access_token", "access")
        self.assertEqual(access_claims["client_id"], self.client_id)
        self.assertEqual(access_claims["scope"], "aws.cognito.signin.user.admin")
        self.assertEqual(access_claims["origin_jti"], id_claims["origin_jti"])
        # The tokens work with the access-token operations.
        user = u.get_user()
        self.assertEqual(user.email, "alice@example.com")

    def test_pycognito_srp_with_a_wrong_password_is_refused(self):
        self.make_user("bob")
        u = self.pycognito("bob")
        with self.assertRaises(ClientError) as e:
            u.authenticate(password="Wrong-passw0rd")
        self.assertEqual(error_code(e.exception), "NotAuthorizedException")
        self.assertEqual(e.exception.response["Error"]["Message"], "Incorrect username or password.")

    def test_user_password_auth_refresh_and_revoke(self):
        self.make_user("carol")
        out = self.idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=self.client_id,
            AuthParameters={"USERNAME": "carol", "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        self.assertEqual(out["TokenType"], "Bearer")
        self.assertEqual(out["ExpiresIn"], 3600)
        access = claims(out["AccessToken"])
        self.assertEqual(access["exp"] - access["iat"], 3600)
        self.assertEqual(access["username"], "carol")

        refreshed = self.idp.initiate_auth(
            AuthFlow="REFRESH_TOKEN_AUTH",
            ClientId=self.client_id,
            AuthParameters={"REFRESH_TOKEN": out["RefreshToken"]},
        )["AuthenticationResult"]
        self.assertNotIn("RefreshToken", refreshed)
        self.assertEqual(claims(refreshed["IdToken"])["origin_jti"], claims(out["IdToken"])["origin_jti"])

        self.idp.revoke_token(Token=out["RefreshToken"], ClientId=self.client_id)
        with self.assertRaises(ClientError) as e:
            self.idp.initiate_auth(
                AuthFlow="REFRESH_TOKEN_AUTH",
                ClientId=self.client_id,
                AuthParameters={"REFRESH_TOKEN": out["RefreshToken"]},
            )
        self.assertEqual(error_code(e.exception), "NotAuthorizedException")
        with self.assertRaises(ClientError) as e:
            self.idp.get_user(AccessToken=refreshed["AccessToken"])
        self.assertEqual(error_code(e.exception), "NotAuthorizedException")
        self.assertEqual(e.exception.response["Error"]["Message"], "Access Token has been revoked")

    def test_admin_flow_with_new_password_required(self):
        self.make_user("dave", permanent=False)
        first = self.idp.admin_initiate_auth(
            UserPoolId=self.pool,
            ClientId=self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "dave", "PASSWORD": "Temp0rary!"},
        )
        self.assertEqual(first["ChallengeName"], "NEW_PASSWORD_REQUIRED")
        self.assertIn("userAttributes", first["ChallengeParameters"])
        done = self.idp.admin_respond_to_auth_challenge(
            UserPoolId=self.pool,
            ClientId=self.client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=first["Session"],
            ChallengeResponses={"USERNAME": "dave", "NEW_PASSWORD": "N3w-passw0rd"},
        )["AuthenticationResult"]
        self.assertEqual(claims(done["IdToken"])["cognito:username"], "dave")
        user = self.idp.admin_get_user(UserPoolId=self.pool, Username="dave")
        self.assertEqual(user["UserStatus"], "CONFIRMED")
        # The session was used once and cannot be used again.
        with self.assertRaises(ClientError) as e:
            self.idp.admin_respond_to_auth_challenge(
                UserPoolId=self.pool,
                ClientId=self.client_id,
                ChallengeName="NEW_PASSWORD_REQUIRED",
                Session=first["Session"],
                ChallengeResponses={"USERNAME": "dave", "NEW_PASSWORD": "An0ther-passw0rd"},
            )
        self.assertEqual(error_code(e.exception), "NotAuthorizedException")

    def test_global_sign_out_ends_every_session(self):
        self.make_user("erin")
        tokens = [
            self.idp.initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH",
                ClientId=self.client_id,
                AuthParameters={"USERNAME": "erin", "PASSWORD": PASSWORD},
            )["AuthenticationResult"]
            for _ in range(2)
        ]
        self.idp.admin_user_global_sign_out(UserPoolId=self.pool, Username="erin")
        for t in tokens:
            with self.assertRaises(ClientError) as e:
                self.idp.get_user(AccessToken=t["AccessToken"])
            self.assertEqual(error_code(e.exception), "NotAuthorizedException")

    def test_secret_hash_is_required_for_clients_with_a_secret(self):
        self.make_user("frank")
        app = self.idp.create_user_pool_client(
            UserPoolId=self.pool, ClientName="secret", GenerateSecret=True, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
        )["UserPoolClient"]
        with self.assertRaises(ClientError) as e:
            self.idp.initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH",
                ClientId=app["ClientId"],
                AuthParameters={"USERNAME": "frank", "PASSWORD": PASSWORD},
            )
        self.assertEqual(error_code(e.exception), "NotAuthorizedException")
        digest = hmac.new(app["ClientSecret"].encode(), ("frank" + app["ClientId"]).encode(), hashlib.sha256).digest()
        out = self.idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=app["ClientId"],
            AuthParameters={"USERNAME": "frank", "PASSWORD": PASSWORD, "SECRET_HASH": base64.b64encode(digest).decode()},
        )
        self.assertIn("AccessToken", out["AuthenticationResult"])

    def test_discovery_documents(self):
        with urllib.request.urlopen(f"{SERVER.url}/{self.pool}/.well-known/openid-configuration") as r:
            config = json.load(r)
        self.assertEqual(config["issuer"], f"{SERVER.url}/{self.pool}")
        with urllib.request.urlopen(config["jwks_uri"]) as r:
            keys = json.load(r)["keys"]
        self.assertEqual(len(keys), 2)
        self.assertEqual({k["kty"] for k in keys}, {"RSA"})


if __name__ == "__main__":
    unittest.main()
