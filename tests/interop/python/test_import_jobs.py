"""Interop: a user import job with boto3 against a running cognate.

The job is created, its CSV file (the columns GetCSVHeader lists) uploaded to the
pre-signed URL with urllib as AWS documents it (`curl -T users.csv -H
"x-amz-server-side-encryption:aws:kms" "<PreSignedUrl>"`), the job started and polled
until it succeeds; the users are there, in RESET_REQUIRED.

Run by scripts/test.sh with COGNATE_BIN pointing at the built binary.
"""

import time
import unittest
import urllib.error
import urllib.request

from botocore.exceptions import ClientError
from cognate_server import Server, error_code

ROLE = "arn:aws:iam::000000000000:role/CognitoImportRole"


def setUpModule():
    global SERVER
    SERVER = Server()


def tearDownModule():
    SERVER.stop()


def put(url, body, headers=None):
    """PUTs `body` to `url` as curl -T does; answers the status and the headers."""
    request = urllib.request.Request(url, data=body, method="PUT", headers=headers or {})
    try:
        with urllib.request.urlopen(request) as r:
            return r.status, r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.headers


class ImportJobTest(unittest.TestCase):
    def setUp(self):
        self.idp = SERVER.idp()
        self.pool = self.idp.create_user_pool(PoolName="interop-import", AutoVerifiedAttributes=["email"])["UserPool"][
            "Id"
        ]

    def csv(self, users):
        header = self.idp.get_csv_header(UserPoolId=self.pool)["CSVHeader"]
        lines = [",".join(header)]
        for user in users:
            lines.append(",".join(user.get(column, "") for column in header))
        return ("\n".join(lines) + "\n").encode("utf-8")

    def test_create_upload_start_and_poll_until_succeeded(self):
        job = self.idp.create_user_import_job(JobName="interop", UserPoolId=self.pool, CloudWatchLogsRoleArn=ROLE)[
            "UserImportJob"
        ]
        self.assertEqual(job["Status"], "Created")
        self.assertTrue(job["JobId"].startswith("import-"))
        users = [
            {
                "cognito:username": f"user{i}",
                "email": f"user{i}@example.com",
                "email_verified": "TRUE",
                "given_name": f"User {i}",
                "cognito:mfa_enabled": "FALSE",
            }
            for i in range(25)
        ]
        status, headers = put(
            job["PreSignedUrl"], self.csv(users), {"x-amz-server-side-encryption": "aws:kms"}
        )
        self.assertEqual(status, 200)
        self.assertIsNotNone(headers.get("ETag"))
        # The URL takes one upload.
        status, _ = put(job["PreSignedUrl"], self.csv(users), {"x-amz-server-side-encryption": "aws:kms"})
        self.assertEqual(status, 403)

        started = self.idp.start_user_import_job(UserPoolId=self.pool, JobId=job["JobId"])["UserImportJob"]
        self.assertEqual(started["Status"], "Pending")
        deadline = time.time() + 60
        while True:
            job = self.idp.describe_user_import_job(UserPoolId=self.pool, JobId=job["JobId"])["UserImportJob"]
            if job["Status"] not in ("Pending", "InProgress"):
                break
            self.assertLess(time.time(), deadline, "the job did not end")
            time.sleep(0.1)
        self.assertEqual(job["Status"], "Succeeded", job.get("CompletionMessage"))
        self.assertEqual((job["ImportedUsers"], job["SkippedUsers"], job["FailedUsers"]), (25, 0, 0))
        self.assertIn("CompletionDate", job)

        listed = self.idp.list_users(UserPoolId=self.pool)["Users"]
        self.assertEqual(len(listed), 25)
        self.assertTrue(all(u["UserStatus"] == "RESET_REQUIRED" for u in listed))
        user = self.idp.admin_get_user(UserPoolId=self.pool, Username="user7")
        attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        self.assertEqual(attributes["email"], "user7@example.com")
        self.assertEqual(attributes["given_name"], "User 7")
        jobs = self.idp.list_user_import_jobs(UserPoolId=self.pool, MaxResults=10)["UserImportJobs"]
        self.assertEqual([j["JobId"] for j in jobs], [job["JobId"]])

    def test_start_before_upload_is_refused(self):
        job = self.idp.create_user_import_job(JobName="early", UserPoolId=self.pool, CloudWatchLogsRoleArn=ROLE)[
            "UserImportJob"
        ]
        with self.assertRaises(ClientError) as e:
            self.idp.start_user_import_job(UserPoolId=self.pool, JobId=job["JobId"])
        self.assertEqual(error_code(e.exception), "PreconditionNotMetException")
        # Without the header the URL is signed with, S3 (and cognate) refuse the upload.
        status, _ = put(job["PreSignedUrl"], self.csv([]))
        self.assertEqual(status, 403)


if __name__ == "__main__":
    unittest.main()
