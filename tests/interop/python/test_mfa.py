"""Interop: TOTP multi-factor sign-in with boto3, codes computed by pyotp (as an
authenticator app computes them) against a running cognate.

Run by scripts/test.sh with COGNATE_BIN pointing at the built binary.
"""

import time
import unittest

import pyotp
from botocore.exceptions import ClientError
from cognate_server import Server, error_code

PASSWORD = "Passw0rd!"


def setUpModule():
    global SERVER
    SERVER = Server()


def tearDownModule():
    SERVER.stop()


class MfaTest(unittest.TestCase):
    def setUp(self):
        self.idp = SERVER.idp()
        self.pool = self.idp.create_user_pool(PoolName="interop-mfa")["UserPool"]["Id"]
        self.idp.set_user_pool_mfa_config(
            UserPoolId=self.pool,
            MfaConfiguration="OPTIONAL",
            SoftwareTokenMfaConfiguration={"Enabled": True},
        )
        self.client_id = self.idp.create_user_pool_client(
            UserPoolId=self.pool,
            ClientName="app",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]

    def add_user(self, name):
        self.idp.admin_create_user(UserPoolId=self.pool, Username=name, MessageAction="SUPPRESS")
        self.idp.admin_set_user_password(
            UserPoolId=self.pool, Username=name, Password=PASSWORD, Permanent=True
        )

    def initiate(self, name):
        return self.idp.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
        )

    def enrol(self, name):
        """Signs in, associates and verifies a token, prefers it: the pyotp TOTP and
        the time of the code that verified it."""
        self.add_user(name)
        access = self.initiate(name)["AuthenticationResult"]["AccessToken"]
        secret = self.idp.associate_software_token(AccessToken=access)["SecretCode"]
        totp = pyotp.TOTP(secret)
        now = time.time()
        out = self.idp.verify_software_token(
            AccessToken=access, UserCode=totp.at(now), FriendlyDeviceName="pyotp"
        )
        self.assertEqual(out["Status"], "SUCCESS")
        self.idp.set_user_mfa_preference(
            AccessToken=access,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
        user = self.idp.get_user(AccessToken=access)
        self.assertEqual(user["UserMFASettingList"], ["SOFTWARE_TOKEN_MFA"])
        self.assertEqual(user["PreferredMfaSetting"], "SOFTWARE_TOKEN_MFA")
        return totp, now

    def respond(self, name, session, code):
        return self.idp.respond_to_auth_challenge(
            ClientId=self.client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=session,
            ChallengeResponses={"USERNAME": name, "SOFTWARE_TOKEN_MFA_CODE": code},
        )

    def test_totp_enrolment_and_mfa_sign_in(self):
        totp, verified_at = self.enrol("alice")
        out = self.initiate("alice")
        self.assertEqual(out["ChallengeName"], "SOFTWARE_TOKEN_MFA")
        self.assertNotIn("AuthenticationResult", out)
        # The next step's code (within the accepted skew): the verifying one is spent.
        done = self.respond("alice", out["Session"], totp.at(verified_at + 30))
        self.assertIn("AccessToken", done["AuthenticationResult"])

    def test_a_code_replayed_in_the_same_step_is_refused(self):
        totp, verified_at = self.enrol("carol")
        code = totp.at(verified_at + 30)
        out = self.initiate("carol")
        self.respond("carol", out["Session"], code)
        out = self.initiate("carol")
        with self.assertRaises(ClientError) as e:
            self.respond("carol", out["Session"], code)
        self.assertEqual(error_code(e.exception), "CodeMismatchException")

    def test_another_users_code_is_refused(self):
        self.enrol("dave")
        erin, at = self.enrol("erin")
        out = self.initiate("dave")
        with self.assertRaises(ClientError) as e:
            self.respond("dave", out["Session"], erin.at(at + 30))
        self.assertEqual(error_code(e.exception), "CodeMismatchException")


if __name__ == "__main__":
    unittest.main()
