"""Session tracking and client secret rotation through boto3, which has these newer
operations (the Rust SDK pinned for the Rust tests does not have the session ones):
Get/SetUserPoolSessionConfiguration and Get/SetUserPoolClientSessionConfiguration with
their defaults and errors, and Add/List/DeleteUserPoolClientSecret with a sign-in by
each active secret's SECRET_HASH."""

import base64
import hashlib
import hmac
import unittest

from cognate_server import Server, error_code


def secret_hash(secret, username, client_id):
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class SessionConfigTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.idp = cls.server.idp()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_pool_and_client_session_configuration(self):
        pool = self.idp.create_user_pool(PoolName="sessions")["UserPool"]["Id"]
        client = self.idp.create_user_pool_client(UserPoolId=pool, ClientName="web")["UserPoolClient"]["ClientId"]
        got = self.idp.get_user_pool_session_configuration(UserPoolId=pool)
        self.assertEqual(got["UserSessionTracking"], "DISABLED")
        self.assertEqual(got["TokenSession"], {"MaxPerUser": 20})
        got = self.idp.get_user_pool_client_session_configuration(UserPoolId=pool, ClientId=client)
        self.assertEqual(got["SSOSession"], {"MaxValidityMinutes": 60})
        with self.assertRaises(Exception) as refused:
            self.idp.set_user_pool_client_session_configuration(
                UserPoolId=pool, ClientId=client, SSOSession={"MaxValidityMinutes": 5}
            )
        self.assertEqual(error_code(refused.exception), "OperationNotEnabledException")
        set_ = self.idp.set_user_pool_session_configuration(
            UserPoolId=pool, UserSessionTracking="ENABLED", TokenSession={"MaxPerUser": 3}
        )
        self.assertEqual(set_["TokenSession"], {"MaxPerUser": 3})
        self.idp.set_user_pool_client_session_configuration(
            UserPoolId=pool, ClientId=client, SSOSession={"MaxValidityMinutes": 5}
        )
        got = self.idp.get_user_pool_client_session_configuration(UserPoolId=pool, ClientId=client)
        self.assertEqual(got["SSOSession"], {"MaxValidityMinutes": 5})
        got = self.idp.get_user_pool_session_configuration(UserPoolId=pool)
        self.assertEqual((got["UserSessionTracking"], got["TokenSession"]["MaxPerUser"]), ("ENABLED", 3))
        with self.assertRaises(Exception) as missing:
            self.idp.get_user_pool_session_configuration(UserPoolId="us-east-1_nosuchpool")
        self.assertEqual(error_code(missing.exception), "ResourceNotFoundException")

    def test_client_secrets_rotate(self):
        pool = self.idp.create_user_pool(PoolName="secrets")["UserPool"]["Id"]
        created = self.idp.create_user_pool_client(
            UserPoolId=pool,
            ClientName="confidential",
            GenerateSecret=True,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]
        client, first = created["ClientId"], created["ClientSecret"]
        self.idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS")
        self.idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password="Passw0rd!", Permanent=True)
        added = self.idp.add_user_pool_client_secret(UserPoolId=pool, ClientId=client)["ClientSecretDescriptor"]
        second = added["ClientSecretValue"]
        listed = self.idp.list_user_pool_client_secrets(UserPoolId=pool, ClientId=client)["ClientSecrets"]
        self.assertEqual(len(listed), 2)
        self.assertTrue(all("ClientSecretValue" not in s for s in listed))
        for secret in (first, second):
            out = self.idp.initiate_auth(
                ClientId=client,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={
                    "USERNAME": "alice",
                    "PASSWORD": "Passw0rd!",
                    "SECRET_HASH": secret_hash(secret, "alice", client),
                },
            )
            self.assertIn("AccessToken", out["AuthenticationResult"])
        with self.assertRaises(Exception) as limit:
            self.idp.add_user_pool_client_secret(UserPoolId=pool, ClientId=client)
        self.assertEqual(error_code(limit.exception), "LimitExceededException")
        first_id = [s for s in listed if s["ClientSecretId"] != added["ClientSecretId"]][0]["ClientSecretId"]
        self.idp.delete_user_pool_client_secret(UserPoolId=pool, ClientId=client, ClientSecretId=first_id)
        with self.assertRaises(Exception) as retired:
            self.idp.initiate_auth(
                ClientId=client,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={
                    "USERNAME": "alice",
                    "PASSWORD": "Passw0rd!",
                    "SECRET_HASH": secret_hash(first, "alice", client),
                },
            )
        self.assertEqual(error_code(retired.exception), "NotAuthorizedException")


if __name__ == "__main__":
    unittest.main()
