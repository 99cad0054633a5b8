"""A cognate server for the interop tests: the binary at COGNATE_BIN on a free port
with a fresh data directory; and the helpers the tests share."""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import urllib.parse
import urllib.request

import boto3
from botocore.config import Config


class Server:
    def __init__(self, *extra):
        self.data = tempfile.mkdtemp(prefix="cognate-interop-")
        self.proc = subprocess.Popen(
            [os.environ["COGNATE_BIN"], "serve", "--listen", "127.0.0.1:0", "--data", self.data, "--log", "warn", *extra],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        assert line.startswith("listening on "), line
        self.url = "http://" + line[len("listening on "):]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        shutil.rmtree(self.data, ignore_errors=True)

    def idp(self, region="us-east-1"):
        """A boto3 cognito-idp client of this server (any key: IAM is not configured)."""
        return boto3.client(
            "cognito-idp",
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id="AKIDTEST",
            aws_secret_access_key="secret",
            config=Config(retries={"max_attempts": 1}),
        )

    def messages(self, pool, username):
        """The messages sent to `username` in `pool`, oldest first (the outbox)."""
        query = urllib.parse.urlencode({"userPoolId": pool, "username": username})
        with urllib.request.urlopen(f"{self.url}/_cognate/messages?{query}") as r:
            return json.load(r)["messages"]


def error_code(e):
    """The AWS error code of a botocore ClientError."""
    return e.response["Error"]["Code"]


def claims(token):
    """The decoded (unverified) payload of a JWT."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
