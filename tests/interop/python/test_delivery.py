"""Interop: email sent for real over SMTP (--smtp-url) to an SMTP server this test starts
(aiosmtpd from PyPI), with the pool's From, Reply-To and Subject and the code or
temporary password the outbox (/_cognate/messages) reports: an invitation, and a
sign-up whose emailed code confirms the user.

Run by scripts/test.sh with COGNATE_BIN pointing at the built binary.
"""

import email
import email.policy
import socket
import time
import unittest

from aiosmtpd.controller import Controller
from cognate_server import Server


class Inbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 OK"

    def wait_for(self, count, seconds=20):
        deadline = time.time() + seconds
        while len(self.messages) < count and time.time() < deadline:
            time.sleep(0.05)
        return self.messages


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setUpModule():
    global SMTP, INBOX, SERVER
    INBOX = Inbox()
    SMTP = Controller(INBOX, hostname="127.0.0.1", port=free_port())
    SMTP.start()
    SERVER = Server("--smtp-url", f"smtp://127.0.0.1:{SMTP.port}")


def tearDownModule():
    SERVER.stop()
    SMTP.stop()


class SmtpTest(unittest.TestCase):
    def test_an_invitation_arrives_by_smtp_from_the_pools_sender(self):
        c = SERVER.idp()
        pool = c.create_user_pool(
            PoolName="smtp",
            EmailConfiguration={
                "EmailSendingAccount": "COGNITO_DEFAULT",
                "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/auth@example.com",
                "ReplyToEmailAddress": "help@example.com",
            },
            AdminCreateUserConfig={
                "InviteMessageTemplate": {
                    "EmailSubject": "Welcome aboard",
                    "EmailMessage": "Hello {username}, your password is {####}",
                }
            },
        )["UserPool"]["Id"]
        before = len(INBOX.messages)
        c.admin_create_user(
            UserPoolId=pool,
            Username="alice",
            UserAttributes=[{"Name": "email", "Value": "alice@example.com"}],
            DesiredDeliveryMediums=["EMAIL"],
        )
        received = INBOX.wait_for(before + 1)
        self.assertEqual(len(received), before + 1, "the invitation reached the SMTP server")
        rcpt, msg = received[-1]
        self.assertEqual(rcpt, ["alice@example.com"])
        self.assertEqual(msg["From"], "auth@example.com")
        self.assertEqual(msg["Reply-To"], "help@example.com")
        self.assertEqual(msg["Subject"], "Welcome aboard")
        [sent] = SERVER.messages(pool, "alice")
        self.assertEqual(sent["kind"], "ADMIN_CREATE_USER")
        body = msg.get_content()
        self.assertIn(f"Hello alice, your password is {sent['code']}", body)

    def test_default_sender_is_cognitos(self):
        c = SERVER.idp()
        pool = c.create_user_pool(PoolName="smtp-default")["UserPool"]["Id"]
        before = len(INBOX.messages)
        c.admin_create_user(
            UserPoolId=pool,
            Username="bob",
            UserAttributes=[{"Name": "email", "Value": "bob@example.com"}],
            DesiredDeliveryMediums=["EMAIL"],
        )
        received = INBOX.wait_for(before + 1)
        self.assertEqual(len(received), before + 1)
        _, msg = received[-1]
        self.assertEqual(msg["From"], "no-reply@verificationemail.com")
        [sent] = SERVER.messages(pool, "bob")
        self.assertIn(sent["code"], msg.get_content())
        self.assertEqual(msg["Subject"], sent["subject"])

    def test_the_sign_up_email_arrives_with_its_code(self):
        c = SERVER.idp()
        pool = c.create_user_pool(
            PoolName="smtp-sign-up",
            AutoVerifiedAttributes=["email"],
            EmailConfiguration={
                "EmailSendingAccount": "DEVELOPER",
                "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/example.com",
                "From": "Example App <hello@example.com>",
            },
            VerificationMessageTemplate={
                "DefaultEmailOption": "CONFIRM_WITH_CODE",
                "EmailSubject": "Confirm your account",
                "EmailMessage": "Your confirmation code is {####}",
            },
        )["UserPool"]["Id"]
        client_id = c.create_user_pool_client(UserPoolId=pool, ClientName="app")["UserPoolClient"]["ClientId"]
        before = len(INBOX.messages)
        out = c.sign_up(
            ClientId=client_id,
            Username="carol",
            Password="Passw0rd!",
            UserAttributes=[{"Name": "email", "Value": "carol@example.com"}],
        )
        self.assertFalse(out["UserConfirmed"])
        received = INBOX.wait_for(before + 1)
        self.assertEqual(len(received), before + 1, "the sign-up email reached the SMTP server")
        rcpt, msg = received[-1]
        self.assertEqual(rcpt, ["carol@example.com"])
        self.assertEqual(msg["From"], "Example App <hello@example.com>")
        self.assertEqual(msg["Subject"], "Confirm your account")
        [sent] = SERVER.messages(pool, "carol")
        self.assertEqual(sent["kind"], "SIGN_UP")
        self.assertIn(f"Your confirmation code is {sent['code']}", msg.get_content())
        # The code in the email confirms the user.
        c.confirm_sign_up(ClientId=client_id, Username="carol", ConfirmationCode=sent["code"])
        user = c.admin_get_user(UserPoolId=pool, Username="carol")
        self.assertEqual(user["UserStatus"], "CONFIRMED")

if __name__ == "__main__":
    unittest.main()
