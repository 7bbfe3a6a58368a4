"""The local signing agent for seals on a hardware key (U-key).

    python -m seals.agent --url <session URL> --token <one-time token> \\
        --module /usr/lib/softhsm/libsofthsm2.so --token-label <label> [--pin <PIN>] [--yes]

It reads the signing session (document, fingerprint, requester, seal), shows it and asks
for confirmation, finds the key whose certificate or public key is the seal's, signs on
the token and posts the signature. The PIN comes from --pin, SEALHUB_UKEY_PIN or a prompt
and is only ever given to the token. `--export-certificate` prints the token's
certificates (PEM) for registering the seal.

Runs on the user's computer: it needs only requests, python-pkcs11 and asn1crypto (no
Django, nothing else from Sealhub)."""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import os
import sys
import time

import pkcs11
import requests
from asn1crypto import cms, keys, x509
from asn1crypto import pem as asn1_pem
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as pkcs11_errors
from pkcs11.util.ec import encode_ec_public_key, encode_ecdsa_signature
from pkcs11.util.rsa import encode_rsa_public_key

EXIT_OK, EXIT_REFUSED, EXIT_ERROR = 0, 1, 2
PIN_ENVIRONMENT = "SEALHUB_UKEY_PIN"
AUTH_SCHEME = "Signing-Session"


class AgentError(Exception):
    """A failure the user can act on; the message says what to do."""


# --- the token ---------------------------------------------------------------------


def open_token(module_path: str, token_label: str | None, pin: str):
    """An open session on the token, logged in with the PIN."""
    if not os.path.exists(module_path):
        raise AgentError(f"The PKCS#11 module {module_path} does not exist. Give the path of your U-key's driver.")
    try:
        library = pkcs11.lib(module_path)
    except Exception as error:  # the loader reports a broken module in several ways
        raise AgentError(f"The PKCS#11 module {module_path} could not be loaded: {error}") from error
    try:
        if token_label:
            token = library.get_token(token_label=token_label)
        else:
            tokens = list(library.get_tokens())
            if len(tokens) != 1:
                raise pkcs11_errors.MultipleTokensReturned() if tokens else pkcs11_errors.NoSuchToken()
            token = tokens[0]
    except pkcs11_errors.NoSuchToken as error:
        where = f" labelled “{token_label}”" if token_label else ""
        raise AgentError(f"No U-key{where} is present. Plug it in (or check --token-label) and try again.") from error
    except pkcs11_errors.MultipleTokensReturned as error:
        raise AgentError("Several U-keys are present. Choose one with --token-label.") from error
    try:
        return token.open(user_pin=pin)
    except pkcs11_errors.PinIncorrect as error:
        raise AgentError("The PIN is wrong. Nothing was signed. (Several wrong PINs lock the U-key.)") from error
    except pkcs11_errors.PinLocked as error:
        raise AgentError("The U-key is locked after too many wrong PINs. Unlock it with your CA's tool.") from error
    except (pkcs11_errors.TokenNotPresent, pkcs11_errors.DeviceRemoved) as error:
        raise AgentError("The U-key was removed. Plug it in and try again.") from error


def _spki_of_certificate(certificate_der: bytes) -> bytes:
    return x509.Certificate.load(certificate_der).public_key.dump()


def _spki_of_public_key(public_key) -> bytes | None:
    try:
        if public_key.key_type == KeyType.EC:
            return encode_ec_public_key(public_key)
        if public_key.key_type == KeyType.RSA:
            return keys.PublicKeyInfo(
                {
                    "algorithm": {"algorithm": "rsa"},
                    "public_key": keys.RSAPublicKey.load(encode_rsa_public_key(public_key)),
                }
            ).dump()
    except Exception:  # a key whose attributes cannot be read is simply not the one
        return None
    return None


def find_private_key(session, certificate_der: bytes):
    """The private key of the seal's certificate: by the certificate stored on the token
    (same CKA_ID), else by a public key equal to the certificate's."""
    wanted = _spki_of_certificate(certificate_der)
    key_ids = []
    for certificate in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
        try:
            if certificate[Attribute.VALUE] == certificate_der:
                key_ids.append(certificate[Attribute.ID])
        except Exception:  # noqa: S112 - unreadable objects are skipped
            continue
    for public_key in session.get_objects({Attribute.CLASS: ObjectClass.PUBLIC_KEY}):
        if _spki_of_public_key(public_key) == wanted:
            try:
                key_ids.append(public_key[Attribute.ID])
            except Exception:  # noqa: S112
                continue
    for key_id in key_ids:
        for private_key in session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.ID: key_id}):
            return private_key
    raise AgentError(
        "No key on this U-key belongs to the seal's certificate. Is it the right U-key (or --token-label)?"
    )


def sign_on_token(private_key, data: bytes) -> bytes:
    """Sign `data` (the DER signed attributes) as the CMS expects: ECDSA → DER-encoded
    (r, s); RSA → PKCS#1 v1.5 with SHA-256. Hashing happens here for ECDSA because many
    tokens (SoftHSM2 among them) have no CKM_ECDSA_SHA256."""
    try:
        if private_key.key_type == KeyType.EC:
            raw = private_key.sign(hashlib.sha256(data).digest(), mechanism=Mechanism.ECDSA)
            return encode_ecdsa_signature(raw)
        if private_key.key_type == KeyType.RSA:
            return private_key.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS)
    except (pkcs11_errors.TokenNotPresent, pkcs11_errors.DeviceRemoved) as error:
        raise AgentError("The U-key was removed while signing. Nothing was signed; try again.") from error
    raise AgentError("The seal's key is neither RSA nor ECDSA; this agent cannot use it.")


def token_certificates_pem(session) -> list[str]:
    pems = []
    for certificate in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
        body = base64.encodebytes(certificate[Attribute.VALUE]).decode().replace("\n", "")
        lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
        pems.append(f"-----BEGIN CERTIFICATE-----\n{lines}\n-----END CERTIFICATE-----\n")
    return pems


# --- the server --------------------------------------------------------------------


def _check_response(response) -> dict:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code >= 400:
        detail = body.get("detail") or response.reason
        raise AgentError(f"The server refused: {detail} ({body.get('type', response.status_code)})")
    return body


def session_read(http, url: str, token: str) -> dict:
    try:
        return _check_response(http.get(url, headers={"Authorization": f"{AUTH_SCHEME} {token}"}, timeout=30))
    except requests.RequestException as error:
        raise AgentError(f"The server at {url} cannot be reached: {error}") from error


def signature_post(http, url: str, token: str, *, step: int, signed_attributes: bytes, signature: bytes) -> dict:
    body = {
        "step": step,
        "signed_attributes_sha256": hashlib.sha256(signed_attributes).hexdigest(),
        "signature": base64.b64encode(signature).decode(),
    }
    try:
        response = http.post(
            url.rstrip("/") + "/signature/", json=body, headers={"Authorization": f"{AUTH_SCHEME} {token}"}, timeout=30
        )
    except requests.RequestException as error:
        raise AgentError(f"The server at {url} cannot be reached: {error}") from error
    return _check_response(response)


def checked_signed_attributes(state: dict) -> bytes:
    """The bytes to sign, after checking they are what the server says: their hash, and
    a message digest equal to the document digest of this step."""
    signed_attributes = base64.b64decode(state["signed_attributes"])
    if hashlib.sha256(signed_attributes).hexdigest() != state["signed_attributes_sha256"]:
        raise AgentError("The data to sign does not match its fingerprint. Nothing was signed.")
    attributes = cms.CMSAttributes.load(signed_attributes)
    digests = [a["values"][0].native for a in attributes if a["type"].native == "message_digest"]
    if len(digests) != 1 or digests[0].hex() != state["document_digest"]:
        raise AgentError("The data to sign is not bound to this document. Nothing was signed.")
    return signed_attributes


def describe(state: dict) -> str:
    seal = state["seal"]
    return "\n".join(
        [
            f"Document:        {state['document_name']}",
            f"SHA-256:         {state['document_sha256']}",
            f"Requested by:    {state['requester']}",
            f"Seal:            {seal['name']} ({seal['code']}), certificate {seal['certificate_serial']}",
            f"Signature:       {state['step'] + 1} of {state['steps']}",
        ]
    )


def run(
    *,
    url: str,
    token: str,
    module_path: str,
    token_label: str | None,
    pin: str,
    confirm=None,
    out=print,
    http=None,
    poll_seconds: float = 0.5,
    wait_seconds: float = 120,
) -> dict:
    """Sign every step of the session; return its final state. `confirm(text) -> bool`
    is asked once before anything is signed (None: no question)."""
    http = http or requests.Session()
    state = session_read(http, url, token)
    if state["status"] != "waiting":
        raise AgentError(f"This signing session cannot be signed now (status: {state['status']}). {state['error']}")
    out(describe(state))
    if confirm is not None and not confirm("Seal this document with your U-key?"):
        raise AgentError("Cancelled. Nothing was signed.")
    certificate_pem = state["seal"]["certificate_pem"].encode()
    certificate_der = asn1_pem.unarmor(certificate_pem)[2] if asn1_pem.detect(certificate_pem) else certificate_pem
    with open_token(module_path, token_label, pin) as session:
        private_key = find_private_key(session, certificate_der)
        deadline = time.monotonic() + wait_seconds
        while True:
            signed_attributes = checked_signed_attributes(state)
            signature = sign_on_token(private_key, signed_attributes)
            signature_post(
                http, url, token, step=state["step"], signed_attributes=signed_attributes, signature=signature
            )
            out(f"Signature {state['step'] + 1} of {state['steps']} sent.")
            step = state["step"]
            while (state := session_read(http, url, token))["status"] == "finishing" or (
                state["status"] == "waiting" and state["step"] == step
            ):
                if time.monotonic() > deadline:
                    raise AgentError("The server did not finish in time; look at the document page.")
                time.sleep(poll_seconds)
            if state["status"] != "waiting":
                break
    if state["status"] != "done":
        raise AgentError(f"Sealing failed: {state['error'] or state['status']}")
    out(f"Sealed: version {state['version']} of “{state['document_name']}”.")
    return state


def _ask(question: str) -> bool:
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seals.agent", description="Seal on Sealhub with your U-key.")
    parser.add_argument("--url", help="the signing session URL shown on the document page")
    parser.add_argument("--token", help="the one-time token shown with it")
    parser.add_argument("--module", required=True, help="the PKCS#11 module (driver) of the U-key")
    parser.add_argument("--token-label", help="the U-key's label (needed when several are plugged in)")
    parser.add_argument("--pin", help=f"the U-key PIN (else ${PIN_ENVIRONMENT}, else asked)")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--export-certificate", action="store_true", help="print the U-key's certificates (PEM)")
    args = parser.parse_args(argv)
    if not args.export_certificate and not (args.url and args.token):
        parser.error("give --url and --token (or --export-certificate)")
    pin = args.pin or os.environ.get(PIN_ENVIRONMENT) or getpass.getpass("U-key PIN: ")
    try:
        if args.export_certificate:
            with open_token(args.module, args.token_label, pin) as session:
                certificates = token_certificates_pem(session)
            if not certificates:
                raise AgentError("This U-key holds no certificate.")
            print("".join(certificates), end="")
            return EXIT_OK
        run(
            url=args.url,
            token=args.token,
            module_path=args.module,
            token_label=args.token_label,
            pin=pin,
            confirm=None if args.yes else _ask,
        )
    except AgentError as error:
        print(f"Error: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("Cancelled. Nothing was signed.", file=sys.stderr)
        return EXIT_REFUSED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
