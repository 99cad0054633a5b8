"""Interop: boto3 and the AWS CLI, installed from PyPI, against a running cognate.

Run by scripts/test.sh with COGNATE_BIN pointing at the built binary.
"""

import json
import os
import subprocess
import unittest

from botocore.exceptions import ClientError
from cognate_server import Server


def setUpModule():
    global SERVER
    SERVER = Server()


def tearDownModule():
    SERVER.stop()


def aws(*args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDTEST", AWS_SECRET_ACCESS_KEY="secret", AWS_DEFAULT_REGION="us-east-1")
    out = subprocess.run(
        ["aws", "cognito-idp", *args, "--endpoint-url", SERVER.url, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
    )
    return out


class AwsCli(unittest.TestCase):
    def test_create_then_describe_shows_the_fields_aws_shows(self):
        created = aws("create-user-pool", "--pool-name", "p")
        self.assertEqual(created.returncode, 0, created.stderr)
        pool_id = json.loads(created.stdout)["UserPool"]["Id"]
        described = aws("describe-user-pool", "--user-pool-id", pool_id)
        self.assertEqual(described.returncode, 0, described.stderr)
        pool = json.loads(described.stdout)["UserPool"]
        for field in (
            "Id", "Name", "Arn", "Policies", "DeletionProtection", "LambdaConfig", "LastModifiedDate",
            "CreationDate", "SchemaAttributes", "VerificationMessageTemplate", "MfaConfiguration",
            "EstimatedNumberOfUsers", "EmailConfiguration", "AdminCreateUserConfig", "UserPoolTier",
        ):
            self.assertIn(field, pool)
        self.assertEqual(pool["Policies"]["PasswordPolicy"]["MinimumLength"], 8)
        self.assertEqual(len(pool["SchemaAttributes"]), 20)

    def test_errors_reach_the_cli_with_their_code(self):
        out = aws("describe-user-pool", "--user-pool-id", "us-east-1_missing")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("ResourceNotFoundException", out.stderr)


class Boto3(unittest.TestCase):
    def test_pools_clients_groups_and_tags(self):
        c = SERVER.idp()
        pool = c.create_user_pool(PoolName="boto", UserPoolTags={"team": "a"})["UserPool"]
        pool_id = pool["Id"]
        self.assertTrue(pool_id.startswith("us-east-1_"))
        app = c.create_user_pool_client(UserPoolId=pool_id, ClientName="app", GenerateSecret=True)["UserPoolClient"]
        self.assertEqual(len(app["ClientSecret"]), 51)
        described = c.describe_user_pool_client(UserPoolId=pool_id, ClientId=app["ClientId"])["UserPoolClient"]
        self.assertEqual(described["ClientSecret"], app["ClientSecret"])
        c.create_group(UserPoolId=pool_id, GroupName="g1", Precedence=3)
        self.assertEqual(c.get_group(UserPoolId=pool_id, GroupName="g1")["Group"]["Precedence"], 3)
        with self.assertRaises(ClientError) as e:
            c.create_group(UserPoolId=pool_id, GroupName="g1")
        self.assertEqual(e.exception.response["Error"]["Code"], "GroupExistsException")
        c.tag_resource(ResourceArn=pool["Arn"], Tags={"env": "ci"})
        self.assertEqual(c.list_tags_for_resource(ResourceArn=pool["Arn"])["Tags"], {"team": "a", "env": "ci"})

    def test_paginators_walk_every_page(self):
        c = SERVER.idp("eu-north-1")
        ids = {c.create_user_pool(PoolName=f"pg{i}")["UserPool"]["Id"] for i in range(12)}
        seen = set()
        for page in c.get_paginator("list_user_pools").paginate(MaxResults=5):
            seen.update(p["Id"] for p in page["UserPools"])
        self.assertEqual(seen, ids)
        pool_id = next(iter(ids))
        for i in range(7):
            c.create_group(UserPoolId=pool_id, GroupName=f"group-{i}")
        names = [g["GroupName"] for page in c.get_paginator("list_groups").paginate(UserPoolId=pool_id, PaginationConfig={"PageSize": 3}) for g in page["Groups"]]
        self.assertEqual(names, [f"group-{i}" for i in range(7)])

    def test_user_and_group_paginators_walk_150_items(self):
        c = SERVER.idp("ap-northeast-1")
        pool_id = c.create_user_pool(PoolName="paged")["UserPool"]["Id"]
        c.create_group(UserPoolId=pool_id, GroupName="everyone")
        usernames = [f"user-{i:03}" for i in range(150)]
        for name in usernames:
            c.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS",
                                UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}])
            c.admin_add_user_to_group(UserPoolId=pool_id, Username=name, GroupName="everyone")
        groups = [f"group-{i:03}" for i in range(150)]
        for g in groups:
            c.create_group(UserPoolId=pool_id, GroupName=g)
            c.admin_add_user_to_group(UserPoolId=pool_id, Username="user-000", GroupName=g)

        seen = [u["Username"] for page in c.get_paginator("list_users").paginate(UserPoolId=pool_id, PaginationConfig={"PageSize": 60}) for u in page["Users"]]
        self.assertEqual(sorted(seen), usernames)
        seen = [u["Username"] for page in c.get_paginator("list_users_in_group").paginate(UserPoolId=pool_id, GroupName="everyone", PaginationConfig={"PageSize": 25}) for u in page["Users"]]
        self.assertEqual(sorted(seen), usernames)
        seen = [g["GroupName"] for page in c.get_paginator("list_groups").paginate(UserPoolId=pool_id, PaginationConfig={"PageSize": 40}) for g in page["Groups"]]
        self.assertEqual(sorted(seen), sorted(groups + ["everyone"]))
        seen = [g["GroupName"] for page in c.get_paginator("admin_list_groups_for_user").paginate(UserPoolId=pool_id, Username="user-000", PaginationConfig={"PageSize": 30}) for g in page["Groups"]]
        self.assertEqual(sorted(seen), sorted(groups + ["everyone"]))
        # A filtered listing pages too.
        seen = [u["Username"] for page in c.get_paginator("list_users").paginate(UserPoolId=pool_id, Filter='email ^= "user-1"', PaginationConfig={"PageSize": 20}) for u in page["Users"]]
        self.assertEqual(sorted(seen), [u for u in usernames if u.startswith("user-1")])

    def test_admin_users_through_boto3(self):
        c = SERVER.idp()
        pool_id = c.create_user_pool(PoolName="boto-users")["UserPool"]["Id"]
        user = c.admin_create_user(UserPoolId=pool_id, Username="zoe", MessageAction="SUPPRESS",
                                   UserAttributes=[{"Name": "given_name", "Value": "Zoe"}])["User"]
        self.assertEqual(user["UserStatus"], "FORCE_CHANGE_PASSWORD")
        c.admin_set_user_password(UserPoolId=pool_id, Username="zoe", Password="Passw0rd!", Permanent=True)
        got = c.admin_get_user(UserPoolId=pool_id, Username="zoe")
        self.assertEqual(got["UserStatus"], "CONFIRMED")
        with self.assertRaises(ClientError) as e:
            c.list_users(UserPoolId=pool_id, Filter="given_name = Zoe")
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidParameterException")
        with self.assertRaises(ClientError) as e:
            c.admin_get_user(UserPoolId=pool_id, Username="nobody")
        self.assertEqual(e.exception.response["Error"]["Code"], "UserNotFoundException")

    def test_validation_errors_are_invalid_parameter(self):
        c = SERVER.idp()
        with self.assertRaises(ClientError) as e:
            c.describe_user_pool(UserPoolId="bad id!")
        # botocore validates patterns client-side only for some members; the server's answer is AWS's.
        err = e.exception.response["Error"]
        self.assertEqual(err["Code"], "InvalidParameterException")
        self.assertIn("failed to satisfy constraint", err["Message"])


if __name__ == "__main__":
    unittest.main()
