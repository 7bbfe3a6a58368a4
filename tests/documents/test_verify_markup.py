"""Anyone may verify a file, so everything in it is hostile: a self-signed certificate
whose name is reportlab markup, posted anonymously to the platform's /verify/ for a PDF
report, gives a report that shows the markup as text, and the server fetches nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from tests.conftest import client_on
from tests.documents.pdfs import make_pdf
from tests.loopback import loopback, one_pixel_png  # noqa: F401  (loopback is a fixture)

pytestmark = pytest.mark.django_db


def _self_signed(common_name: str, organisation: str):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _signed_by(common_name: str, organisation: str) -> bytes:
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key, certificate = _self_signed(common_name, organisation)
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=SimpleCertificateStore(),
    )
    output = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(make_pdf(1))),
        signers.PdfSignatureMetadata(field_name="Signature1"),
        signer=signer,
        output=output,
    )
    return output.getvalue()


def _text_of(pdf: bytes) -> str:
    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_certificate_named_in_markup_gives_a_report_and_no_request(loopback, tmp_path):  # noqa: F811
    picture = tmp_path / "page.png"
    picture.write_bytes(one_pixel_png())
    common_name = f'<img src="{loopback.url("/cn")}" width="1" height="1"/>'
    organisation = f'<img src="{picture}" width="1" height="1"/>'
    signed = _signed_by(common_name, organisation)
    file_name = "signed.pdf"

    response = client_on(None).post("/verify/", {"file": SimpleUploadedFile(file_name, signed), "format": "pdf"})

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert sum(len(page.images) for page in reader.pages) == 0
    text = _text_of(response.content)
    for literal in (common_name, organisation, file_name):
        assert "".join(literal.split()) in text, literal
    assert loopback.requests == []


@pytest.mark.parametrize("file_name", ["a<b.pdf", "<b>bold.pdf", "x&y;<z.pdf"])
@pytest.mark.parametrize("output", ["html", "pdf"])
def test_markup_in_the_file_name_of_an_upload_is_shown_as_text(file_name, output):
    data = {"file": SimpleUploadedFile(file_name, make_pdf(1))}
    if output == "pdf":
        data["format"] = "pdf"

    response = client_on(None, HTTP_ACCEPT_LANGUAGE="en").post("/verify/", data)

    assert response.status_code == 200
    if output == "pdf":
        assert file_name in _text_of(response.content)
    else:
        assert file_name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in response.content.decode()
