"""Interop: passkeys with boto3 and python-fido2 against a running cognate.

A signed-in user registers passkeys through boto3's start_web_authn_registration and
complete_web_authn_registration, answering the options with a small software
authenticator built on fido2's WebAuthn structures (its attestation objects,
authenticator data, client data and COSE keys; `none` and `packed` self attestation),
then lists them a page at a time and deletes them; an answer from a foreign origin is
refused as Cognito refuses it. A passkey signs in through USER_AUTH (SELECT_CHALLENGE,
then WEB_AUTHN with CREDENTIAL_REQUEST_OPTIONS and the CREDENTIAL answer), and a cloned
authenticator presenting a stale signature counter is refused.

Run by scripts/test.sh with COGNATE_BIN pointing at the built binary.
"""

import hashlib
import json
import os
import unittest

from botocore.exceptions import ClientError
from cognate_server import Server, error_code
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

PASSWORD = "Passw0rd!"
RP_ID = "example.com"
ORIGIN = "https://example.com"


def setUpModule():
    global SERVER
    SERVER = Server()


def tearDownModule():
    SERVER.stop()


class SoftAuthenticator:
    """A passkey: an ES256 key that answers creation options as a browser would."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)

    @property
    def id(self):
        return websafe_encode(self.credential_id)

    def create(self, options, origin=ORIGIN, fmt="none"):
        """navigator.credentials.create(): a RegistrationResponseJSON."""
        client_data = CollectedClientData.create(
            type=CollectedClientData.TYPE.CREATE,
            challenge=options["challenge"],
            origin=origin,
        )
        flags = (
            AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV | AuthenticatorData.FLAG.AT
        )
        credential = AttestedCredentialData.create(
            b"\0" * 16, self.credential_id, ES256.from_cryptography_key(self.key.public_key())
        )
        auth_data = AuthenticatorData.create(
            hashlib.sha256(options["rp"]["id"].encode()).digest(), flags, 0, credential
        )
        if fmt == "packed":
            signature = self.key.sign(
                bytes(auth_data) + client_data.hash, ec.ECDSA(hashes.SHA256())
            )
            statement = {"alg": -7, "sig": signature}
        else:
            statement = {}
        attestation = AttestationObject.create(fmt, auth_data, statement)
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "authenticatorAttachment": "cross-platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": websafe_encode(client_data),
                "attestationObject": websafe_encode(attestation),
                "transports": ["usb"],
            },
        }


    def get(self, options, user_handle, origin=ORIGIN, counter=None):
        """navigator.credentials.get(): an AuthenticationResponseJSON. The signature
        counter grows by one each time unless `counter` is given."""
        self.counter = getattr(self, "counter", 0) + 1 if counter is None else counter
        client_data = CollectedClientData.create(
            type=CollectedClientData.TYPE.GET,
            challenge=options["challenge"],
            origin=origin,
        )
        flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV
        auth_data = AuthenticatorData.create(
            hashlib.sha256(options["rpId"].encode()).digest(), flags, self.counter
        )
        signature = self.key.sign(bytes(auth_data) + client_data.hash, ec.ECDSA(hashes.SHA256()))
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "authenticatorAttachment": "cross-platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": websafe_encode(client_data),
                "authenticatorData": websafe_encode(auth_data),
                "signature": websafe_encode(signature),
                "userHandle": websafe_encode(user_handle),
            },
        }


class PasskeyTest(unittest.TestCase):
    def setUp(self):
        self.idp = SERVER.idp()
        self.pool = self.idp.create_user_pool(
            PoolName="interop-passkeys",
            Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}},
        )["UserPool"]["Id"]
        self.idp.set_user_pool_mfa_config(
            UserPoolId=self.pool,
            WebAuthnConfiguration={"RelyingPartyId": RP_ID, "UserVerification": "preferred"},
        )
        client_id = self.idp.create_user_pool_client(
            UserPoolId=self.pool,
            ClientName="app",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        self.idp.admin_create_user(UserPoolId=self.pool, Username="alice", MessageAction="SUPPRESS")
        self.idp.admin_set_user_password(
            UserPoolId=self.pool, Username="alice", Password=PASSWORD, Permanent=True
        )
        self.token = self.idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=client_id,
            AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
        )["AuthenticationResult"]["AccessToken"]

    def register(self, fmt):
        options = self.idp.start_web_authn_registration(AccessToken=self.token)[
            "CredentialCreationOptions"
        ]
        authenticator = SoftAuthenticator()
        self.idp.complete_web_authn_registration(
            AccessToken=self.token, Credential=authenticator.create(options, fmt=fmt)
        )
        return authenticator

    def test_register_list_and_delete(self):
        options = self.idp.start_web_authn_registration(AccessToken=self.token)[
            "CredentialCreationOptions"
        ]
        self.assertEqual(options["rp"]["id"], RP_ID)
        self.assertEqual(options["user"]["name"], "alice")
        self.assertEqual(options["authenticatorSelection"]["residentKey"], "required")
        self.assertEqual(
            [p["alg"] for p in options["pubKeyCredParams"]], [-7, -257]
        )

        first = self.register("none")
        second = self.register("packed")

        page = self.idp.list_web_authn_credentials(AccessToken=self.token, MaxResults=1)
        self.assertEqual(len(page["Credentials"]), 1)
        rest = self.idp.list_web_authn_credentials(
            AccessToken=self.token, NextToken=page["NextToken"]
        )
        self.assertNotIn("NextToken", rest)
        listed = page["Credentials"] + rest["Credentials"]
        self.assertEqual(
            sorted(c["CredentialId"] for c in listed), sorted([first.id, second.id])
        )
        for c in listed:
            self.assertEqual(c["RelyingPartyId"], RP_ID)
            self.assertEqual(c["AuthenticatorAttachment"], "cross-platform")
            self.assertEqual(c["AuthenticatorTransports"], ["usb"])
            self.assertTrue(c["FriendlyCredentialName"])
            self.assertIn("CreatedAt", c)

        self.idp.delete_web_authn_credential(AccessToken=self.token, CredentialId=first.id)
        left = self.idp.list_web_authn_credentials(AccessToken=self.token)["Credentials"]
        self.assertEqual([c["CredentialId"] for c in left], [second.id])
        with self.assertRaises(ClientError) as e:
            self.idp.delete_web_authn_credential(AccessToken=self.token, CredentialId=first.id)
        self.assertEqual(error_code(e.exception), "ResourceNotFoundException")

    def test_sign_in_with_a_passkey_and_a_cloned_one_refused(self):
        passkey = self.register("packed")
        sub = next(
            a["Value"]
            for a in self.idp.get_user(AccessToken=self.token)["UserAttributes"]
            if a["Name"] == "sub"
        )
        app = self.idp.create_user_pool_client(
            UserPoolId=self.pool, ClientName="passwordless", ExplicitAuthFlows=["ALLOW_USER_AUTH"]
        )["UserPoolClient"]["ClientId"]
        factors = self.idp.get_user_auth_factors(AccessToken=self.token)
        self.assertEqual(factors["ConfiguredUserAuthFactors"], ["PASSWORD", "WEB_AUTHN"])

        def challenge():
            # The user chooses the passkey among what SELECT_CHALLENGE offers.
            select = self.idp.initiate_auth(
                AuthFlow="USER_AUTH", ClientId=app, AuthParameters={"USERNAME": "alice"}
            )
            self.assertEqual(select["ChallengeName"], "SELECT_CHALLENGE")
            self.assertIn("WEB_AUTHN", select["AvailableChallenges"])
            chosen = self.idp.respond_to_auth_challenge(
                ClientId=app,
                ChallengeName="SELECT_CHALLENGE",
                Session=select["Session"],
                ChallengeResponses={"USERNAME": "alice", "ANSWER": "WEB_AUTHN"},
            )
            self.assertEqual(chosen["ChallengeName"], "WEB_AUTHN")
            options = json.loads(chosen["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
            return chosen["Session"], options

        def answer(session, credential):
            return self.idp.respond_to_auth_challenge(
                ClientId=app,
                ChallengeName="WEB_AUTHN",
                Session=session,
                ChallengeResponses={"USERNAME": "alice", "CREDENTIAL": json.dumps(credential)},
            )

        session, options = challenge()
        self.assertEqual(options["rpId"], RP_ID)
        done = answer(session, passkey.get(options, sub.encode()))
        access = done["AuthenticationResult"]["AccessToken"]
        self.assertEqual(self.idp.get_user(AccessToken=access)["Username"], "alice")

        # A clone made before that sign-in presents a counter the server has seen.
        session, options = challenge()
        with self.assertRaises(ClientError) as e:
            answer(session, passkey.get(options, sub.encode(), counter=1))
        self.assertEqual(error_code(e.exception), "NotAuthorizedException")

        # Deleted, the passkey is no longer offered.
        self.idp.delete_web_authn_credential(AccessToken=self.token, CredentialId=passkey.id)
        select = self.idp.initiate_auth(
            AuthFlow="USER_AUTH", ClientId=app, AuthParameters={"USERNAME": "alice"}
        )
        self.assertNotIn("WEB_AUTHN", select["AvailableChallenges"])

    def test_a_foreign_origin_is_refused(self):
        options = self.idp.start_web_authn_registration(AccessToken=self.token)[
            "CredentialCreationOptions"
        ]
        answer = SoftAuthenticator().create(options, origin="https://example.net")
        with self.assertRaises(ClientError) as e:
            self.idp.complete_web_authn_registration(AccessToken=self.token, Credential=answer)
        self.assertEqual(error_code(e.exception), "WebAuthnOriginNotAllowedException")


if __name__ == "__main__":
    unittest.main()
