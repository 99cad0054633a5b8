"""CustomEmailSender and CustomSMSSender, with the code decrypted as AWS's documented
Python function does: aws-encryption-sdk with a StrictAwsKmsMasterKeyProvider for the
pool's KMS key.

This test serves both the Lambda Invoke API (cognate's --lambda-endpoint) and KMS
(cognate's --kms-endpoint, and the Encryption SDK's botocore client through
AWS_ENDPOINT_URL_KMS): GenerateDataKey makes a random data key bound to the
encryption context, Decrypt gives it back only for the same context. The decrypted code
then confirms the sign-up (email) and signs the invited user in (SMS), so it is the
code cognate issued."""

import base64
import http.server
import json
import os
import secrets
import threading
import unittest
import urllib.parse

import aws_encryption_sdk
import botocore.session
from aws_encryption_sdk import CommitmentPolicy

from cognate_server import Server, error_code

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
EMAIL_SENDER = "arn:aws:lambda:us-east-1:123456789012:function:email-sender"
SMS_SENDER = "arn:aws:lambda:us-east-1:123456789012:function:sms-sender"


class Fakes(http.server.BaseHTTPRequestHandler):
    """Lambda's Invoke API and KMS's GenerateDataKey and Decrypt."""

    events = []
    keys = {}  # CiphertextBlob -> (plaintext, encryption context)

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 ")
        if self.path.startswith("/2015-03-31/functions/"):
            arn = urllib.parse.unquote(self.path.split("/")[3])
            Fakes.events.append((arn, body))
            return self.answer(200, body)
        target = self.headers.get("X-Amz-Target", "")
        context = body.get("EncryptionContext", {})
        if target == "TrentService.GenerateDataKey":
            assert body["KeyId"] == KEY and body["KeySpec"] == "AES_256"
            plaintext, blob = secrets.token_bytes(32), secrets.token_bytes(48)
            Fakes.keys[blob] = (plaintext, context)
            return self.answer(200, {
                "KeyId": KEY,
                "Plaintext": base64.b64encode(plaintext).decode(),
                "CiphertextBlob": base64.b64encode(blob).decode(),
            })
        if target == "TrentService.Decrypt":
            blob = base64.b64decode(body["CiphertextBlob"])
            found = Fakes.keys.get(blob)
            if found is None or found[1] != context:
                return self.answer(400, {"__type": "InvalidCiphertextException", "message": "no"})
            return self.answer(200, {
                "KeyId": KEY,
                "Plaintext": base64.b64encode(found[0]).decode(),
                "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
            })
        return self.answer(400, {"__type": "UnknownOperationException", "message": target})


def decrypt(code):
    """As Cognito's documented custom sender: the code from event.request.code."""
    session = botocore.session.Session()
    session.set_credentials("AKIDTEST", "secret")
    provider = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(key_ids=[KEY], botocore_session=session)
    client = aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
    )
    plaintext, header = client.decrypt(source=base64.b64decode(code), key_provider=provider)
    return plaintext.decode(), dict(header.encryption_context)


class CustomSenderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fakes = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Fakes)
        threading.Thread(target=cls.fakes.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{cls.fakes.server_address[1]}"
        os.environ["AWS_ENDPOINT_URL_KMS"] = url
        os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
        cls.server = Server("--lambda-endpoint", url, "--kms-endpoint", url)
        cls.idp = cls.server.idp()
        cls.pool = cls.idp.create_user_pool(
            PoolName="senders",
            AutoVerifiedAttributes=["email"],
            LambdaConfig={
                "CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": EMAIL_SENDER},
                "CustomSMSSender": {"LambdaVersion": "V1_0", "LambdaArn": SMS_SENDER},
                "KMSKeyID": KEY,
            },
        )["UserPool"]["Id"]
        cls.client = cls.idp.create_user_pool_client(
            UserPoolId=cls.pool,
            ClientName="app",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.fakes.shutdown()

    def last_event(self, arn):
        events = [e for a, e in Fakes.events if a == arn]
        self.assertTrue(events, f"no event for {arn}")
        return events[-1]

    def test_the_email_senders_code_decrypts_and_confirms_the_sign_up(self):
        self.idp.sign_up(
            ClientId=self.client,
            Username="erin",
            Password="Passw0rd!",
            UserAttributes=[{"Name": "email", "Value": "erin@example.com"}],
        )
        event = self.last_event(EMAIL_SENDER)
        self.assertEqual(event["triggerSource"], "CustomEmailSender_SignUp")
        self.assertEqual(event["request"]["type"], "customEmailSenderRequestV1")
        self.assertEqual(event["request"]["userAttributes"]["email"], "erin@example.com")
        code, context = decrypt(event["request"]["code"])
        self.assertEqual(context.get("userpool-id"), self.pool)
        self.assertRegex(code, r"^\d{6}$")
        self.assertEqual(self.server.messages(self.pool, "erin"), [], "cognate sends nothing itself")
        with self.assertRaises(Exception) as wrong:
            self.idp.confirm_sign_up(ClientId=self.client, Username="erin", ConfirmationCode="000000" if code != "000000" else "111111")
        self.assertEqual(error_code(wrong.exception), "CodeMismatchException")
        self.idp.confirm_sign_up(ClientId=self.client, Username="erin", ConfirmationCode=code)
        user = self.idp.admin_get_user(UserPoolId=self.pool, Username="erin")
        self.assertEqual(user["UserStatus"], "CONFIRMED")

    def test_the_sms_senders_temporary_password_decrypts_and_signs_in(self):
        self.idp.admin_create_user(
            UserPoolId=self.pool,
            Username="sid",
            UserAttributes=[{"Name": "phone_number", "Value": "+15555550123"}],
            DesiredDeliveryMediums=["SMS"],
        )
        event = self.last_event(SMS_SENDER)
        self.assertEqual(event["triggerSource"], "CustomSMSSender_AdminCreateUser")
        self.assertEqual(event["request"]["type"], "customSMSSenderRequestV1")
        password, _ = decrypt(event["request"]["code"])
        out = self.idp.initiate_auth(
            ClientId=self.client,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "sid", "PASSWORD": password},
        )
        self.assertEqual(out["ChallengeName"], "NEW_PASSWORD_REQUIRED")


if __name__ == "__main__":
    unittest.main()
