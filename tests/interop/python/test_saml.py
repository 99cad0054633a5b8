"""SAML 2.0 federation against an identity provider written here: its key and
certificate are made by the test, its metadata given to CreateIdentityProvider through
boto3, and its responses signed with signxml (exclusive canonicalization, RSA-SHA256),
as a real IdP's are.

SP-initiated: /oauth2/authorize?identity_provider= sends the browser to the IdP with
an AuthnRequest (signed where RequestSigningAlgorithm asks, verified here against
GetSigningCertificate), the IdP posts its signed response to /saml2/idpresponse, and
the app's code exchanges for tokens of the user <ProviderName>_<NameID> with mapped
attributes. IdP-initiated: a response without InResponseTo and the authorize request as
RelayState. An assertion encrypted to the pool's certificate (EncryptedResponses).
Refused: a tampered, expired, replayed or wrongly addressed assertion, an
unsolicited one where IDPInit is off, and an answer to another request."""

import base64
import datetime
import os
import http.client
import http.server
import threading
import json
import unittest
import urllib.parse
import uuid
import zlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as block_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import SignatureConstructionMethod, XMLSigner

from cognate_server import Server, claims

CALLBACK = "http://localhost:3000/callback"
IDP_ENTITY = "https://idp.example.test/saml"
IDP_SSO = "https://idp.example.test/sso"
IDP_SLO = "https://idp.example.test/slo"
SIGNED_OUT = "http://localhost:3000/signed-out"
NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
}


def make_idp_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test idp")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert


def idp_metadata(cert):
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    return (
        f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{IDP_ENTITY}">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f'<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{der}'
        "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        '<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        f'Location="{IDP_SLO}"/>'
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        f'Location="{IDP_SSO}"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def instant(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Idp:
    """The identity provider: signed responses for the service provider `sp`."""

    def __init__(self, key, cert):
        self.key = key
        self.cert = cert

    def response(self, *, sp, acs, name_id, attributes, in_response_to=None, age=0, audience=None, recipient=None, encrypt_to=None):
        now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=age)
        later = now + datetime.timedelta(minutes=5)
        response_id = "_" + uuid.uuid4().hex
        assertion_id = "_" + uuid.uuid4().hex
        irt = f' InResponseTo="{in_response_to}"' if in_response_to else ""
        attrs = "".join(
            f'<saml:Attribute Name="{n}"><saml:AttributeValue>{v}</saml:AttributeValue></saml:Attribute>'
            for n, v in attributes.items()
        )
        xml = (
            f'<samlp:Response xmlns:samlp="{NS["samlp"]}" xmlns:saml="{NS["saml"]}" ID="{response_id}" '
            f'Version="2.0" IssueInstant="{instant(now)}" Destination="{recipient or acs}"{irt}>'
            f"<saml:Issuer>{IDP_ENTITY}</saml:Issuer>"
            '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
            f'<saml:Assertion ID="{assertion_id}" Version="2.0" IssueInstant="{instant(now)}">'
            f"<saml:Issuer>{IDP_ENTITY}</saml:Issuer>"
            '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="placeholder"></ds:Signature>'
            f'<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">{name_id}</saml:NameID>'
            '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData NotOnOrAfter="{instant(later)}" Recipient="{recipient or acs}"{irt}/>'
            "</saml:SubjectConfirmation></saml:Subject>"
            f'<saml:Conditions NotBefore="{instant(now - datetime.timedelta(minutes=1))}" NotOnOrAfter="{instant(later)}">'
            f"<saml:AudienceRestriction><saml:Audience>{audience or sp}</saml:Audience></saml:AudienceRestriction>"
            "</saml:Conditions>"
            f'<saml:AuthnStatement AuthnInstant="{instant(now)}"><saml:AuthnContext><saml:AuthnContextClassRef>'
            "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>"
            "</saml:AuthnContext></saml:AuthnStatement>"
            f"<saml:AttributeStatement>{attrs}</saml:AttributeStatement>"
            "</saml:Assertion></samlp:Response>"
        )
        root = etree.fromstring(xml.encode())
        assertion = root.find("saml:Assertion", NS)
        signer = XMLSigner(
            method=SignatureConstructionMethod.enveloped,
            signature_algorithm="rsa-sha256",
            digest_algorithm="sha256",
            c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
        )
        signed = signer.sign(
            assertion,
            key=self.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            cert=[self.cert],
            reference_uri=assertion_id,
        )
        root.replace(assertion, signed)
        if encrypt_to is None:
            return etree.tostring(root).decode()
        # EncryptedResponses: the assertion encrypted to the pool's certificate (XML
        # Encryption, AES-128-CBC under an RSA-OAEP key), the whole response signed.
        root.remove(signed)
        key = os.urandom(16)
        iv = os.urandom(16)
        padder = block_padding.PKCS7(128).padder()
        plain = padder.update(etree.tostring(signed)) + padder.finalize()
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        ciphertext = iv + encryptor.update(plain) + encryptor.finalize()
        wrapped = encrypt_to.public_key().encrypt(
            key, padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
        )
        encrypted = etree.fromstring(
            (
                f'<saml:EncryptedAssertion xmlns:saml="{NS["saml"]}">'
                '<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element">'
                '<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>'
                '<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey>'
                '<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/>'
                f"<xenc:CipherData><xenc:CipherValue>{base64.b64encode(wrapped).decode()}</xenc:CipherValue></xenc:CipherData>"
                "</xenc:EncryptedKey></ds:KeyInfo>"
                f"<xenc:CipherData><xenc:CipherValue>{base64.b64encode(ciphertext).decode()}</xenc:CipherValue></xenc:CipherData>"
                "</xenc:EncryptedData></saml:EncryptedAssertion>"
            ).encode()
        )
        root.append(encrypted)
        status = root.find("samlp:Status", NS)
        status.addprevious(
            etree.fromstring(b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="placeholder"></ds:Signature>')
        )
        whole = signer.sign(
            root,
            key=self.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            cert=[self.cert],
            reference_uri=response_id,
        )
        return etree.tostring(whole).decode()


def request(server, method, path, headers=None, body=None):
    host = urllib.parse.urlsplit(server.url).netloc
    conn = http.client.HTTPConnection(host, timeout=10)
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    answer = (r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read().decode())
    conn.close()
    return answer


def params(location):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


class SamlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.idp = cls.server.idp()
        cls.key, cls.cert = make_idp_key()
        cls.issuer = Idp(cls.key, cls.cert)
        cls.acs = cls.server.url + "/saml2/idpresponse"

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def pool_with_provider(self, **details):
        pool = self.idp.create_user_pool(PoolName="saml")["UserPool"]["Id"]
        self.idp.create_identity_provider(
            UserPoolId=pool,
            ProviderName="Corp",
            ProviderType="SAML",
            ProviderDetails={"MetadataFile": idp_metadata(self.cert), **details},
            AttributeMapping={
                "email": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
                "name": "displayName",
            },
        )
        return pool

    def client(self, pool, providers):
        c = self.idp.create_user_pool_client(
            UserPoolId=pool,
            ClientName="web",
            GenerateSecret=True,
            AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthFlows=["code"],
            AllowedOAuthScopes=["openid", "email"],
            SupportedIdentityProviders=providers,
            CallbackURLs=[CALLBACK],
            LogoutURLs=[SIGNED_OUT],
        )["UserPoolClient"]
        return c["ClientId"], c["ClientSecret"]

    def start(self, client_id):
        """SP-initiated: the AuthnRequest and RelayState the browser carries to the IdP."""
        q = urllib.parse.urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": CALLBACK,
                "scope": "openid email",
                "state": "s1",
                "identity_provider": "Corp",
            }
        )
        status, headers, body = request(self.server, "GET", "/oauth2/authorize?" + q)
        self.assertEqual(status, 302, body)
        location = headers["location"]
        self.assertTrue(location.startswith(IDP_SSO + "?"), location)
        p = params(location)
        authn = etree.fromstring(zlib.decompress(base64.b64decode(p["SAMLRequest"]), -15))
        self.assertEqual(authn.get("AssertionConsumerServiceURL"), self.acs)
        self.assertEqual(authn.find("saml:Issuer", NS).text, "urn:amazon:cognito:sp:" + self.pool)
        return authn.get("ID"), p

    def post(self, response_xml, relay_state):
        body = urllib.parse.urlencode(
            {"SAMLResponse": base64.b64encode(response_xml.encode()).decode(), "RelayState": relay_state}
        )
        return request(
            self.server,
            "POST",
            "/saml2/idpresponse",
            {"Content-Type": "application/x-www-form-urlencoded"},
            body,
        )

    def exchange(self, client, location):
        p = params(location)
        self.assertEqual(p.get("state"), "s1", location)
        body = urllib.parse.urlencode(
            {
                "grant_type": "authorization_code",
                "client_id": client[0],
                "client_secret": client[1],
                "code": p["code"],
                "redirect_uri": CALLBACK,
            }
        )
        status, _, answer = request(
            self.server, "POST", "/oauth2/token", {"Content-Type": "application/x-www-form-urlencoded"}, body
        )
        self.assertEqual(status, 200, answer)
        return json.loads(answer)

    def sign_in_response(self, in_response_to, **kw):
        return self.issuer.response(
            sp="urn:amazon:cognito:sp:" + self.pool,
            acs=self.acs,
            name_id="jane@corp.example",
            attributes={
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": "jane@corp.example",
                "displayName": "Jane Doe",
            },
            in_response_to=in_response_to,
            **kw,
        )

    def assert_refused(self, answer, why):
        status, headers, body = answer
        self.assertEqual(status, 302, f"{why}: {body}")
        p = params(headers["location"])
        self.assertEqual(p.get("error"), "invalid_request", f"{why}: {headers['location']}")
        self.assertNotIn("code", p, why)

    def test_sp_initiated_sign_in_and_refused_responses(self):
        self.pool = self.pool_with_provider(RequestSigningAlgorithm="rsa-sha256")
        client = self.client(self.pool, ["COGNITO", "Corp"])

        # The AuthnRequest is signed with the pool's certificate (redirect binding).
        request_id, p = self.start(client[0])
        signed = urllib.parse.urlencode(
            [("SAMLRequest", p["SAMLRequest"]), ("RelayState", p["RelayState"]), ("SigAlg", p["SigAlg"])]
        )
        cert = x509.load_der_x509_certificate(
            base64.b64decode(self.idp.get_signing_certificate(UserPoolId=self.pool)["Certificate"])
        )
        cert.public_key().verify(
            base64.b64decode(p["Signature"]), signed.encode(), padding.PKCS1v15(), hashes.SHA256()
        )

        response = self.sign_in_response(request_id)
        status, headers, body = self.post(response, p["RelayState"])
        self.assertEqual(status, 302, body)
        self.assertTrue(headers["location"].startswith(CALLBACK), headers["location"])
        tokens = self.exchange(client, headers["location"])
        id_token = claims(tokens["id_token"])
        self.assertEqual(id_token["cognito:username"], "Corp_jane@corp.example")
        self.assertEqual(id_token["email"], "jane@corp.example")
        self.assertEqual(id_token["name"], "Jane Doe")
        identity = id_token["identities"][0]
        self.assertEqual(identity["providerType"], "SAML")
        self.assertEqual(identity["providerName"], "Corp")
        self.assertEqual(identity["issuer"], IDP_ENTITY)
        user = self.idp.admin_get_user(UserPoolId=self.pool, Username="Corp_jane@corp.example")
        self.assertEqual(user["UserStatus"], "EXTERNAL_PROVIDER")

        # The same response again: replayed.
        self.assert_refused(self.post(response, p["RelayState"]), "replayed")

        # Tampered: a signed attribute changed after signing.
        request_id, p = self.start(client[0])
        tampered = self.sign_in_response(request_id).replace("Jane Doe", "Mallory")
        self.assert_refused(self.post(tampered, p["RelayState"]), "tampered")

        # Expired: issued an hour ago.
        request_id, p = self.start(client[0])
        self.assert_refused(self.post(self.sign_in_response(request_id, age=3600), p["RelayState"]), "expired")

        # Wrongly addressed: another service provider's audience, another ACS.
        request_id, p = self.start(client[0])
        wrong = self.sign_in_response(request_id, audience="urn:amazon:cognito:sp:other")
        self.assert_refused(self.post(wrong, p["RelayState"]), "audience")
        request_id, p = self.start(client[0])
        wrong = self.sign_in_response(request_id, recipient="https://elsewhere.example/saml2/idpresponse")
        self.assert_refused(self.post(wrong, p["RelayState"]), "recipient")

        # An answer to another request, and an unsolicited one where IDPInit is off.
        _, p = self.start(client[0])
        self.assert_refused(self.post(self.sign_in_response("_other"), p["RelayState"]), "InResponseTo")
        only_saml = self.client(self.pool, ["Corp"])
        relay = urllib.parse.urlencode(
            {"response_type": "code", "client_id": only_saml[0], "redirect_uri": CALLBACK, "state": "s1", "identity_provider": "Corp"}
        )
        self.assert_refused(self.post(self.sign_in_response(None), relay), "IDPInit off")

        # The pool's SP metadata names its entity id and ACS.
        status, _, body = request(self.server, "GET", "/saml2/metadata?user_pool_id=" + self.pool)
        self.assertEqual(status, 200)
        self.assertIn('entityID="urn:amazon:cognito:sp:' + self.pool + '"', body)
        self.assertIn(self.acs, body)

    def test_single_logout(self):
        self.pool = self.pool_with_provider(IDPSignout="true")
        described = self.idp.describe_identity_provider(UserPoolId=self.pool, ProviderName="Corp")
        self.assertEqual(described["IdentityProvider"]["ProviderDetails"]["SLORedirectBindingURI"], IDP_SLO)
        client = self.client(self.pool, ["Corp"])
        request_id, p = self.start(client[0])
        status, headers, body = self.post(self.sign_in_response(request_id), p["RelayState"])
        self.assertEqual(status, 302, body)
        session = headers["set-cookie"].split(";")[0]
        self.assertTrue(session.startswith(f"cognito-{self.pool}="), session)

        # /logout sends the browser to the provider with a signed LogoutRequest.
        q = urllib.parse.urlencode({"client_id": client[0], "logout_uri": SIGNED_OUT})
        status, headers, body = request(self.server, "GET", "/logout?" + q, {"Cookie": session})
        self.assertEqual(status, 302, body)
        location = headers["location"]
        self.assertTrue(location.startswith(IDP_SLO + "?"), location)
        lp = params(location)
        logout = etree.fromstring(zlib.decompress(base64.b64decode(lp["SAMLRequest"]), -15))
        self.assertEqual(logout.find("saml:NameID", NS).text, "jane@corp.example")
        self.assertEqual(logout.find("saml:Issuer", NS).text, "urn:amazon:cognito:sp:" + self.pool)
        signed = urllib.parse.urlencode(
            [("SAMLRequest", lp["SAMLRequest"]), ("RelayState", lp["RelayState"]), ("SigAlg", lp["SigAlg"])]
        )
        cert = x509.load_der_x509_certificate(
            base64.b64decode(self.idp.get_signing_certificate(UserPoolId=self.pool)["Certificate"])
        )
        cert.public_key().verify(base64.b64decode(lp["Signature"]), signed.encode(), padding.PKCS1v15(), hashes.SHA256())

        # The session is over already: no code without signing in again.
        q = urllib.parse.urlencode(
            {"response_type": "code", "client_id": client[0], "redirect_uri": CALLBACK, "prompt": "none", "state": "s1"}
        )
        status, headers, _ = request(self.server, "GET", "/oauth2/authorize?" + q, {"Cookie": session})
        self.assertEqual(params(headers["location"]).get("error"), "login_required")

        # The provider answers at /saml2/logout; the browser goes on to the logout URI.
        answer = (
            '<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
            f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_{uuid.uuid4().hex}" Version="2.0" '
            f'IssueInstant="{instant(datetime.datetime.now(datetime.timezone.utc))}" InResponseTo="{logout.get("ID")}">'
            f"<saml:Issuer>{IDP_ENTITY}</saml:Issuer>"
            '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
            "</samlp:LogoutResponse>"
        )
        body = urllib.parse.urlencode(
            {"SAMLResponse": base64.b64encode(answer.encode()).decode(), "RelayState": lp["RelayState"]}
        )
        status, headers, body = request(
            self.server, "POST", "/saml2/logout", {"Content-Type": "application/x-www-form-urlencoded"}, body
        )
        self.assertEqual(status, 302, body)
        self.assertEqual(headers["location"], SIGNED_OUT)
        # An answer to another request is refused.
        other = answer.replace(logout.get("ID"), "_other")
        body = urllib.parse.urlencode(
            {"SAMLResponse": base64.b64encode(other.encode()).decode(), "RelayState": lp["RelayState"]}
        )
        status, _, _ = request(
            self.server, "POST", "/saml2/logout", {"Content-Type": "application/x-www-form-urlencoded"}, body
        )
        self.assertEqual(status, 400)

    def test_encrypted_responses(self):
        self.pool = self.pool_with_provider(EncryptedResponses="true")
        details = self.idp.describe_identity_provider(UserPoolId=self.pool, ProviderName="Corp")["IdentityProvider"][
            "ProviderDetails"
        ]
        certificate = self.idp.get_signing_certificate(UserPoolId=self.pool)["Certificate"]
        self.assertEqual(details["ActiveEncryptionCertificate"], certificate)
        pool_cert = x509.load_der_x509_certificate(base64.b64decode(certificate))
        client = self.client(self.pool, ["Corp"])
        request_id, p = self.start(client[0])
        response = self.sign_in_response(request_id, encrypt_to=pool_cert)
        self.assertIn("EncryptedAssertion", response)
        self.assertNotIn("jane@corp.example", response)
        status, headers, body = self.post(response, p["RelayState"])
        self.assertEqual(status, 302, body)
        tokens = self.exchange(client, headers["location"])
        self.assertEqual(claims(tokens["id_token"])["cognito:username"], "Corp_jane@corp.example")
        # Encrypted to another key: it cannot be opened.
        other, _ = make_idp_key()
        stranger = x509.CertificateBuilder().subject_name(pool_cert.subject).issuer_name(pool_cert.subject).public_key(
            other.public_key()
        ).serial_number(1).not_valid_before(pool_cert.not_valid_before_utc).not_valid_after(
            pool_cert.not_valid_after_utc
        ).sign(other, hashes.SHA256())
        request_id, p = self.start(client[0])
        self.assert_refused(self.post(self.sign_in_response(request_id, encrypt_to=stranger), p["RelayState"]), "foreign key")

    def test_metadata_url(self):
        metadata = idp_metadata(self.cert).encode()

        class Metadata(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/samlmetadata+xml")
                self.send_header("Content-Length", str(len(metadata)))
                self.end_headers()
                self.wfile.write(metadata)

            def log_message(self, *args):
                pass

        served = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Metadata)
        threading.Thread(target=served.serve_forever, daemon=True).start()
        try:
            url = f"http://127.0.0.1:{served.server_address[1]}/metadata"
            self.pool = self.idp.create_user_pool(PoolName="saml-url")["UserPool"]["Id"]
            created = self.idp.create_identity_provider(
                UserPoolId=self.pool,
                ProviderName="Corp",
                ProviderType="SAML",
                ProviderDetails={"MetadataURL": url},
            )["IdentityProvider"]["ProviderDetails"]
            self.assertEqual(created["MetadataURL"], url)
            self.assertEqual(created["SSORedirectBindingURI"], IDP_SSO)
            client = self.client(self.pool, ["Corp"])
            request_id, p = self.start(client[0])
            status, headers, body = self.post(self.sign_in_response(request_id), p["RelayState"])
            self.assertEqual(status, 302, body)
            self.assertIn("code", params(headers["location"]))
        finally:
            served.shutdown()
            served.server_close()
        # A URL that answers nothing useful is refused when the provider is saved.
        with self.assertRaises(Exception) as refused:
            self.idp.create_identity_provider(
                UserPoolId=self.pool,
                ProviderName="Other",
                ProviderType="SAML",
                ProviderDetails={"MetadataURL": url},
            )
        self.assertEqual(refused.exception.response["Error"]["Code"], "InvalidParameterException")

    def test_idp_initiated_sign_in(self):
        self.pool = self.pool_with_provider(IDPInit="true")
        client = self.client(self.pool, ["Corp"])
        relay = urllib.parse.urlencode(
            {
                "response_type": "code",
                "client_id": client[0],
                "redirect_uri": CALLBACK,
                "scope": "openid email",
                "state": "s1",
                "identity_provider": "Corp",
            }
        )
        status, headers, body = self.post(self.sign_in_response(None), relay)
        self.assertEqual(status, 302, body)
        tokens = self.exchange(client, headers["location"])
        self.assertEqual(claims(tokens["id_token"])["cognito:username"], "Corp_jane@corp.example")
        # An IdP-initiated assertion must not answer a request.
        self.assert_refused(self.post(self.sign_in_response("_some-request"), relay), "InResponseTo")
        # Not for a client that also offers the pool's own sign-in.
        mixed = self.client(self.pool, ["COGNITO", "Corp"])
        relay = relay.replace(client[0], mixed[0])
        self.assert_refused(self.post(self.sign_in_response(None), relay), "mixed client")


if __name__ == "__main__":
    unittest.main()
