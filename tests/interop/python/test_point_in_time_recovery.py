"""Point-in-time recovery through boto3, whose botocore (1.44.8) has the five
operations: a pool restored to a moment before a user was deleted has that user again,
who signs in with the same password. The server accepts recovery points seconds old
(`--recovery-min-age 0`; AWS's minimum is 15 minutes)."""

import datetime
import time
import unittest

from cognate_server import Server, error_code

PASSWORD = "Passw0rd!x"


class PointInTimeRecoveryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--recovery-min-age", "0")
        cls.idp = cls.server.idp()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def add_user(self, pool, name):
        self.idp.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS")
        self.idp.admin_set_user_password(UserPoolId=pool, Username=name, Password=PASSWORD, Permanent=True)

    def sign_in(self, client, name):
        return self.idp.initiate_auth(
            ClientId=client,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]

    def wait_for(self, pool, restore_id, status):
        for _ in range(100):
            r = self.idp.describe_point_in_time_recovery(UserPoolId=pool, RestoreId=restore_id)["Restoration"]
            if r["RestoreStatus"] == status:
                return r
            time.sleep(0.1)
        self.fail(f"the recovery never reached {status}")

    def test_restoring_before_a_deletion_brings_the_user_back(self):
        pool = self.idp.create_user_pool(PoolName="restored")["UserPool"]["Id"]
        client = self.idp.create_user_pool_client(
            UserPoolId=pool, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
        )["UserPoolClient"]["ClientId"]
        self.add_user(pool, "alice")
        self.sign_in(client, "alice")
        time.sleep(1.2)
        point = datetime.datetime.now(datetime.timezone.utc)
        time.sleep(1.2)
        self.idp.admin_delete_user(UserPoolId=pool, Username="alice")
        with self.assertRaises(Exception) as gone:
            self.sign_in(client, "alice")
        self.assertEqual(error_code(gone.exception), "UserNotFoundException")

        restoration = self.idp.initiate_point_in_time_recovery(UserPoolId=pool, RestoreTimestamp=point)["Restoration"]
        self.assertEqual(restoration["RestoreStatus"], "PREVIEW_GENERATING")
        restore_id = restoration["RestoreId"]
        preview = self.wait_for(pool, restore_id, "PREVIEW_GENERATED")["RestorePreview"]
        users = next(e for e in preview if e["Entity"] == "Users")
        self.assertEqual((users["CreateCount"], users["UpdateCount"], users["DeleteCount"]), (1, 0, 0))
        started = self.idp.start_point_in_time_recovery(UserPoolId=pool, RestoreId=restore_id)["Restoration"]
        self.assertEqual(started["RestoreStatus"], "RESTORING")
        self.wait_for(pool, restore_id, "RESTORE_COMPLETED")

        self.assertEqual(self.idp.admin_get_user(UserPoolId=pool, Username="alice")["Username"], "alice")
        self.assertIn("AccessToken", self.sign_in(client, "alice"))
        listed = self.idp.list_point_in_time_recoveries(UserPoolId=pool)["Restorations"]
        self.assertEqual([(r["RestoreId"], r["RestoreStatus"]) for r in listed], [(restore_id, "RESTORE_COMPLETED")])
        self.assertLess(abs(listed[0]["RestoreTimestamp"].timestamp() - point.timestamp()), 0.01)

    def test_cancelled_recovery_changes_nothing(self):
        pool = self.idp.create_user_pool(PoolName="cancelled")["UserPool"]["Id"]
        time.sleep(1.1)
        point = datetime.datetime.now(datetime.timezone.utc)
        self.add_user(pool, "bob")
        restore_id = self.idp.initiate_point_in_time_recovery(UserPoolId=pool, RestoreTimestamp=point)["Restoration"]["RestoreId"]
        with self.assertRaises(Exception) as paused:
            self.idp.admin_delete_user(UserPoolId=pool, Username="bob")
        self.assertEqual(error_code(paused.exception), "ConcurrentModificationException")
        cancelled = self.idp.cancel_point_in_time_recovery(UserPoolId=pool, RestoreId=restore_id)["Restoration"]
        self.assertEqual(cancelled["RestoreStatus"], "PREVIEW_CANCELLED")
        with self.assertRaises(Exception) as refused:
            self.idp.start_point_in_time_recovery(UserPoolId=pool, RestoreId=restore_id)
        self.assertEqual(error_code(refused.exception), "InvalidParameterException")
        self.assertEqual(self.idp.admin_get_user(UserPoolId=pool, Username="bob")["Username"], "bob")
        lite = self.idp.create_user_pool(PoolName="lite", UserPoolTier="LITE")["UserPool"]["Id"]
        with self.assertRaises(Exception) as tier:
            self.idp.list_point_in_time_recoveries(UserPoolId=lite)
        self.assertEqual(error_code(tier.exception), "FeatureUnavailableInTierException")


if __name__ == "__main__":
    unittest.main()
