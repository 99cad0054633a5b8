"""Interop: self-service with boto3 against a running cognate.

A user signs up, confirms with the emailed code read from the control API's outbox
(`/_cognate/messages`) and signs in; then forgets the password, sets a new one with the
reset code and signs in with it.

Run by scripts/test.sh with COGNATE_BIN pointing at the built binary.
"""

import unittest

from botocore.exceptions import ClientError
from cognate_server import Server, error_code

PASSWORD = "Passw0rd!"
NEW_PASSWORD = "N3w-Passw0rd!"


def setUpModule():
    global SERVER
    SERVER = Server()


def tearDownModule():
    SERVER.stop()


def last_message(pool, username):
    messages = SERVER.messages(pool, username)
    assert messages, f"no message to {username}"
    return messages[-1]


class SelfServiceTest(unittest.TestCase):
    def setUp(self):
        self.idp = SERVER.idp()
        self.pool = self.idp.create_user_pool(PoolName="interop-self-service", AutoVerifiedAttributes=["email"])[
            "UserPool"
        ]["Id"]
        self.client_id = self.idp.create_user_pool_client(
            UserPoolId=self.pool,
            ClientName="app",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]

    def sign_in(self, username, password):
        return self.idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=self.client_id,
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )["AuthenticationResult"]

    def test_sign_up_confirm_and_sign_in(self):
        out = self.idp.sign_up(
            ClientId=self.client_id,
            Username="erin",
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": "erin@example.com"}],
        )
        self.assertFalse(out["UserConfirmed"])
        self.assertEqual(out["CodeDeliveryDetails"]["Destination"], "e***@e***")
        self.assertEqual(out["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL")

        with self.assertRaises(ClientError) as e:
            self.sign_in("erin", PASSWORD)
        self.assertEqual(error_code(e.exception), "UserNotConfirmedException")

        message = last_message(self.pool, "erin")
        self.assertEqual(message["kind"], "SIGN_UP")
        self.idp.confirm_sign_up(ClientId=self.client_id, Username="erin", ConfirmationCode=message["code"])
        tokens = self.sign_in("erin", PASSWORD)
        self.assertIn("AccessToken", tokens)
        user = self.idp.get_user(AccessToken=tokens["AccessToken"])
        attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        self.assertEqual(attributes["email_verified"], "true")

    def test_forgot_password_confirm_and_sign_in_with_the_new_password(self):
        self.idp.admin_create_user(
            UserPoolId=self.pool,
            Username="fred",
            UserAttributes=[
                {"Name": "email", "Value": "fred@example.com"},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )
        self.idp.admin_set_user_password(UserPoolId=self.pool, Username="fred", Password=PASSWORD, Permanent=True)
        out = self.idp.forgot_password(ClientId=self.client_id, Username="fred")
        self.assertEqual(out["CodeDeliveryDetails"]["AttributeName"], "email")
        message = last_message(self.pool, "fred")
        self.assertEqual(message["kind"], "FORGOT_PASSWORD")

        with self.assertRaises(ClientError) as e:
            wrong = "000001" if message["code"] == "000000" else "000000"
            self.idp.confirm_forgot_password(
                ClientId=self.client_id, Username="fred", ConfirmationCode=wrong, Password=NEW_PASSWORD
            )
        self.assertEqual(error_code(e.exception), "CodeMismatchException")

        self.idp.confirm_forgot_password(
            ClientId=self.client_id, Username="fred", ConfirmationCode=message["code"], Password=NEW_PASSWORD
        )
        self.assertIn("AccessToken", self.sign_in("fred", NEW_PASSWORD))
        with self.assertRaises(ClientError) as e:
            self.sign_in("fred", PASSWORD)
        self.assertEqual(error_code(e.exception), "NotAuthorizedException")


if __name__ == "__main__":
    unittest.main()
