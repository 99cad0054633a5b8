"""Interop: branding through boto3. SetUICustomization and GetUICustomization (a logo
sent as bytes, the pool's customization as a client's fallback, CSS that AWS refuses),
CreateManagedLoginBranding with a Settings document, CreateTerms and ListTerms.

Run by scripts/test.sh with COGNATE_BIN pointing at the built binary.
"""

import datetime
import unittest
import uuid

from botocore.exceptions import ClientError
from cognate_server import Server, error_code

PNG = b"\x89PNG\r\n\x1a\n" + bytes(120)
CSS = ".label-customizable { font-weight: 400; }"


def setUpModule():
    global SERVER, IDP
    SERVER = Server()
    IDP = SERVER.idp()


def tearDownModule():
    SERVER.stop()


def pool_with_client(name):
    pool = IDP.create_user_pool(PoolName=name)["UserPool"]["Id"]
    IDP.create_user_pool_domain(UserPoolId=pool, Domain=f"{name}-{uuid.uuid4().hex[:8]}")
    client = IDP.create_user_pool_client(UserPoolId=pool, ClientName="app")["UserPoolClient"]["ClientId"]
    return pool, client


class UICustomization(unittest.TestCase):
    def test_pool_customization_with_logo_is_the_clients_fallback(self):
        pool, client = pool_with_client("ui")
        out = IDP.set_ui_customization(UserPoolId=pool, CSS=CSS, ImageFile=PNG)["UICustomization"]
        self.assertEqual(out["ClientId"], "ALL")
        self.assertEqual(out["CSS"], CSS)
        self.assertTrue(out["ImageUrl"].endswith("/assets/images/image.png"), out["ImageUrl"])
        self.assertIsInstance(out["CreationDate"], datetime.datetime)

        got = IDP.get_ui_customization(UserPoolId=pool, ClientId=client)["UICustomization"]
        self.assertEqual(got["ClientId"], "ALL")
        self.assertEqual(got["CSS"], CSS)
        self.assertEqual(got["CSSVersion"], out["CSSVersion"])

        own = ".banner-customizable { background-color: lightgray; }"
        IDP.set_ui_customization(UserPoolId=pool, ClientId=client, CSS=own)
        got = IDP.get_ui_customization(UserPoolId=pool, ClientId=client)["UICustomization"]
        self.assertEqual((got["ClientId"], got["CSS"]), (client, own))
        self.assertNotIn("ImageUrl", got)

    def test_refused_css_and_images(self):
        pool, client = pool_with_client("refused")
        for css in ["h1 { color: red; }", "@import url(x.css);"]:
            with self.assertRaises(ClientError) as e:
                IDP.set_ui_customization(UserPoolId=pool, ClientId=client, CSS=css)
            self.assertEqual(error_code(e.exception), "InvalidParameterException", css)
        with self.assertRaises(ClientError) as e:
            IDP.set_ui_customization(UserPoolId=pool, ImageFile=b"GIF89a")
        self.assertEqual(error_code(e.exception), "InvalidParameterException")
        with self.assertRaises(ClientError) as e:
            IDP.get_ui_customization(UserPoolId=pool, ClientId="nosuchclient")
        self.assertEqual(error_code(e.exception), "ResourceNotFoundException")


class ManagedLoginBranding(unittest.TestCase):
    def test_settings_document_round_trips(self):
        pool, client = pool_with_client("style")
        settings = {"categories": {"global": {"colorSchemeMode": "DARK"}}, "components": {"pageBackground": {"image": {"enabled": True}}}}
        style = IDP.create_managed_login_branding(UserPoolId=pool, ClientId=client, Settings=settings)["ManagedLoginBranding"]
        uuid.UUID(style["ManagedLoginBrandingId"], version=4)
        got = IDP.describe_managed_login_branding_by_client(UserPoolId=pool, ClientId=client)["ManagedLoginBranding"]
        self.assertEqual(got["Settings"], settings)
        with self.assertRaises(ClientError) as e:
            IDP.create_managed_login_branding(UserPoolId=pool, ClientId=client, UseCognitoProvidedValues=True)
        self.assertEqual(error_code(e.exception), "ManagedLoginBrandingExistsException")


class Terms(unittest.TestCase):
    def test_create_and_list(self):
        pool, client = pool_with_client("terms")
        created = IDP.create_terms(
            UserPoolId=pool,
            ClientId=client,
            TermsName="terms-of-use",
            TermsSource="LINK",
            Enforcement="NONE",
            Links={"cognito:default": "https://example.com/terms", "cognito:spanish": "https://example.com/es"},
        )["Terms"]
        self.assertEqual(created["ClientId"], client)
        IDP.create_terms(
            UserPoolId=pool,
            ClientId=client,
            TermsName="privacy-policy",
            TermsSource="LINK",
            Enforcement="NONE",
            Links={"cognito:default": "https://example.com/privacy"},
        )
        with self.assertRaises(ClientError) as e:
            IDP.create_terms(
                UserPoolId=pool,
                ClientId=client,
                TermsName="terms-of-use",
                TermsSource="LINK",
                Enforcement="NONE",
                Links={"cognito:default": "https://example.com/other"},
            )
        self.assertEqual(error_code(e.exception), "TermsExistsException")

        listed = IDP.list_terms(UserPoolId=pool)["Terms"]
        self.assertEqual(sorted(t["TermsName"] for t in listed), ["privacy-policy", "terms-of-use"])
        self.assertTrue(all(t["Enforcement"] == "NONE" for t in listed))
        first = IDP.list_terms(UserPoolId=pool, MaxResults=1)
        self.assertEqual(len(first["Terms"]), 1)
        rest = IDP.list_terms(UserPoolId=pool, MaxResults=1, NextToken=first["NextToken"])
        self.assertEqual(len(rest["Terms"]), 1)
        self.assertNotEqual(first["Terms"][0]["TermsId"], rest["Terms"][0]["TermsId"])

        got = IDP.describe_terms(UserPoolId=pool, TermsId=created["TermsId"])["Terms"]
        self.assertEqual(got["Links"]["cognito:spanish"], "https://example.com/es")


if __name__ == "__main__":
    unittest.main()
