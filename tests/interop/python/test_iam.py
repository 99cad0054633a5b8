"""Interop: --iam-credentials with boto3 and the AWS CLI. Admin operations need a SigV4
signature by a configured key (AWS's errors otherwise); a signed request replayed more
than five minutes later is refused.

Run by scripts/test.sh with COGNATE_BIN pointing at the built binary.
"""

import datetime
import json
import os
import subprocess
import unittest
import urllib.error
import urllib.request

import boto3
import botocore
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from cognate_server import Server

KEY_ID = "AKIDINTEROP"
SECRET = "interop-secret"


def setUpModule():
    global SERVER
    SERVER = Server("--iam-credentials", f"{KEY_ID}:{SECRET}")


def tearDownModule():
    SERVER.stop()


def client(key_id=KEY_ID, secret=SECRET, unsigned=False):
    config = Config(retries={"max_attempts": 1})
    if unsigned:
        config = config.merge(Config(signature_version=botocore.UNSIGNED))
    return boto3.client(
        "cognito-idp",
        endpoint_url=SERVER.url,
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=config,
    )


def aws(key_id, secret, *args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret, AWS_DEFAULT_REGION="us-east-1")
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_PROFILE", None)
    return subprocess.run(
        ["aws", "cognito-idp", *args, "--endpoint-url", SERVER.url, "--output", "json", "--cli-read-timeout", "10"],
        env=env,
        capture_output=True,
        text=True,
    )


def post(headers, body):
    """Sends a request as it is (no signing) with the standard library."""
    req = urllib.request.Request(SERVER.url + "/", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


class Boto3(unittest.TestCase):
    def error_code(self, call):
        with self.assertRaises(ClientError) as caught:
            call()
        return caught.exception.response["Error"]["Code"], caught.exception.response["Error"]["Message"]

    def test_the_right_key_is_served(self):
        pool = client().create_user_pool(PoolName="iam-boto3")["UserPool"]
        self.assertTrue(pool["Id"].startswith("us-east-1_"))
        pools = client().list_user_pools(MaxResults=60)["UserPools"]
        self.assertIn(pool["Id"], [p["Id"] for p in pools])

    def test_a_wrong_secret_is_an_invalid_signature(self):
        code, message = self.error_code(lambda: client(secret="wrong").list_user_pools(MaxResults=10))
        self.assertEqual(code, "InvalidSignatureException")
        self.assertTrue(message.startswith("The request signature we calculated does not match"), message)

    def test_an_unknown_key_is_an_unrecognized_client(self):
        code, message = self.error_code(lambda: client(key_id="AKIDUNKNOWN").list_user_pools(MaxResults=10))
        self.assertEqual(code, "UnrecognizedClientException")
        self.assertEqual(message, "The security token included in the request is invalid.")

    def test_unsigned_is_missing_the_token_but_open_operations_work(self):
        code, message = self.error_code(lambda: client(unsigned=True).list_user_pools(MaxResults=10))
        self.assertEqual(code, "MissingAuthenticationTokenException")
        self.assertEqual(message, "Missing Authentication Token")
        # InitiateAuth needs no IAM: it reaches the operation, which knows no such client.
        code, _ = self.error_code(
            lambda: client(unsigned=True).initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH",
                ClientId="1example23456789abcdefghij",
                AuthParameters={"USERNAME": "u", "PASSWORD": "p"},
            )
        )
        self.assertEqual(code, "ResourceNotFoundException")

    def test_a_request_replayed_after_five_minutes_is_refused(self):
        body = json.dumps({"PoolName": "replayed"}).encode()
        headers = {
            "X-Amz-Target": "AWSCognitoIdentityProviderService.CreateUserPool",
            "Content-Type": "application/x-amz-json-1.1",
        }

        def signed_at(when):
            request = AWSRequest(method="POST", url=SERVER.url + "/", data=body, headers=dict(headers))
            signer = SigV4Auth(Credentials(KEY_ID, SECRET), "cognito-idp", "us-east-1")
            # botocore reads the signing time from datetime.datetime.utcnow() (older) or
            # datetime.datetime.now(timezone.utc) (newer): pin both.
            real = datetime.datetime

            class Fixed(real):
                @classmethod
                def utcnow(cls):
                    return when.replace(tzinfo=None)

                @classmethod
                def now(cls, tz=None):
                    return when if tz else when.replace(tzinfo=None)

            datetime.datetime = Fixed
            try:
                signer.add_auth(request)
            finally:
                datetime.datetime = real
            prepared = request.prepare()
            return {k: v for k, v in prepared.headers.items() if k.lower() != "host"}

        now = datetime.datetime.now(datetime.timezone.utc)
        # The same signing path at the current time is accepted: the refusal below is
        # the age alone.
        status, answer = post(signed_at(now), body)
        self.assertEqual(status, 200, answer)
        stale = signed_at(now - datetime.timedelta(minutes=6))
        self.assertTrue(stale["X-Amz-Date"].startswith((now - datetime.timedelta(minutes=6)).strftime("%Y%m%dT%H%M")), stale)
        status, answer = post(stale, body)
        self.assertEqual(status, 400, answer)
        self.assertEqual(answer["__type"], "InvalidSignatureException")
        self.assertIn("Signature expired: " + stale["X-Amz-Date"] + " is now earlier than", answer["message"])


class AwsCli(unittest.TestCase):
    def test_the_right_key_is_served(self):
        out = aws(KEY_ID, SECRET, "list-user-pools", "--max-results", "10")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("UserPools", json.loads(out.stdout))

    def test_a_wrong_secret_is_an_invalid_signature(self):
        out = aws(KEY_ID, "wrong", "list-user-pools", "--max-results", "10")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("InvalidSignatureException", out.stderr)

    def test_an_unknown_key_is_an_unrecognized_client(self):
        out = aws("AKIDUNKNOWN", SECRET, "list-user-pools", "--max-results", "10")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("UnrecognizedClientException", out.stderr)
        self.assertIn("The security token included in the request is invalid.", out.stderr)

    def test_unsigned_is_missing_the_token(self):
        out = aws(KEY_ID, SECRET, "list-user-pools", "--max-results", "10", "--no-sign-request")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("MissingAuthenticationTokenException", out.stderr)


if __name__ == "__main__":
    unittest.main()
