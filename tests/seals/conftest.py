from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tenants.models import Company

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def licence() -> SimpleUploadedFile:
    return SimpleUploadedFile("licence.pdf", PDF, content_type="application/pdf")


@pytest.fixture
def approved_alpha(world):
    Company.objects.filter(pk=world.alpha.pk).update(verification=Company.Verification.APPROVED)
    world.alpha.refresh_from_db()
    return world.alpha
