from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from django.http import HttpResponse
from django.views.decorators.cache import cache_control

from seals import pki


@cache_control(public=True, max_age=300)
def seal_ca_crl(request):
    return HttpResponse(pki.seal_ca_crl_der(), content_type="application/pkix-crl")


@cache_control(public=True, max_age=86400)
def authority_certificate(request, role: str):
    roles = {"root": pki.Role.ROOT, "seal-ca": pki.Role.SEAL_CA, "tsa": pki.Role.TSA}
    if role not in roles:
        return HttpResponse(status=404)
    der = pki.certificate(roles[role]).public_bytes(serialization.Encoding.DER)
    return HttpResponse(der, content_type="application/pkix-cert")
