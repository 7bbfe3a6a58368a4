"""The documents list over the API: pages are cached and carry an ETag, and every change
to the company's documents shows at once, also changes made from another company's
transaction (envelope copies) and never across companies."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django_tenants.utils import schema_context, tenant_context

from documents.models import Document
from documents.services.versions import document_receive, document_upload
from tenants.services import api_key_create
from tests.conftest import client_on
from tests.documents.pdfs import make_pdf

pytestmark = pytest.mark.django_db


def _api(company, user):
    with tenant_context(company):
        _key, raw = api_key_create(company=company, name="poller", scopes=["documents"], acting_user=user)
    return client_on(company, HTTP_AUTHORIZATION=f"Api-Key {raw}")


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [document["name"] for document in response.json()["results"]]


def test_a_poller_sees_every_change_at_once_and_gets_304_while_nothing_changed(world):
    api = _api(world.alpha, world.alice)
    first = api.get("/api/v1/documents/")
    assert _names(first) == [] and first["ETag"]
    assert api.get("/api/v1/documents/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert api.get("/api/v1/documents/", HTTP_IF_NONE_MATCH=f'"other", W/{first["ETag"]}').status_code == 304

    upload = api.post("/api/v1/documents/", {"file": SimpleUploadedFile("a.pdf", make_pdf(1))})
    assert upload.status_code == 201
    second = api.get("/api/v1/documents/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert _names(second) == ["a.pdf"] and second["ETag"] != first["ETag"]
    assert api.get("/api/v1/documents/", HTTP_IF_NONE_MATCH=second["ETag"]).status_code == 304

    assert api.delete(f"/api/v1/documents/{upload.json()['id']}/").status_code == 204
    assert _names(api.get("/api/v1/documents/")) == []


def test_each_page_and_search_is_its_own_entry(world):
    api = _api(world.alpha, world.alice)
    with tenant_context(world.alpha):
        for name in ("lease.pdf", "invoice-1.pdf", "invoice-2.pdf"):
            document_upload(name=name, data=make_pdf(1), acting_user=world.alice)
    assert _names(api.get("/api/v1/documents/")) == ["invoice-2.pdf", "invoice-1.pdf", "lease.pdf"]
    assert _names(api.get("/api/v1/documents/?search=invoice")) == ["invoice-2.pdf", "invoice-1.pdf"]
    first_page = api.get("/api/v1/documents/?page_size=2").json()
    assert [document["name"] for document in first_page["results"]] == ["invoice-2.pdf", "invoice-1.pdf"]
    next_path = urlsplit(first_page["next"])
    assert _names(api.get(f"{next_path.path}?{next_path.query}")) == ["lease.pdf"]


def test_a_copy_written_from_another_companys_transaction_shows_in_the_receivers_list(world):
    beta_api = _api(world.beta, world.charlie)
    assert _names(beta_api.get("/api/v1/documents/")) == []
    with tenant_context(world.alpha), transaction.atomic():
        # As envelope completion does: the owner's transaction writes into the party's schema.
        with schema_context(world.beta.schema_name):
            document_receive(name="signed.pdf", data=make_pdf(1), source_label="Alpha Ltd")
        document_upload(name="alpha-only.pdf", data=make_pdf(1), acting_user=world.alice)
    assert _names(beta_api.get("/api/v1/documents/")) == ["signed.pdf"]
    assert _names(_api(world.alpha, world.alice).get("/api/v1/documents/")) == ["alpha-only.pdf"]


def test_a_change_that_is_rolled_back_leaves_the_cached_list_true(world):
    api = _api(world.alpha, world.alice)
    with tenant_context(world.alpha):
        document_upload(name="kept.pdf", data=make_pdf(1), acting_user=world.alice)
    before = api.get("/api/v1/documents/")
    assert _names(before) == ["kept.pdf"]
    with pytest.raises(RuntimeError), transaction.atomic():
        with tenant_context(world.alpha):
            document_upload(name="lost.pdf", data=make_pdf(1), acting_user=world.alice)
        # Seen inside the transaction (and cached under its token)...
        assert _names(api.get("/api/v1/documents/")) == ["lost.pdf", "kept.pdf"]
        raise RuntimeError("the request failed after the upload")
    with tenant_context(world.alpha):
        assert list(Document.objects.values_list("name", flat=True)) == ["kept.pdf"]
    # ...and gone with it: the token came back with the rows, so that page is never served.
    assert api.get("/api/v1/documents/", HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304
    assert _names(api.get("/api/v1/documents/")) == ["kept.pdf"]


def test_writes_in_several_companies_renew_their_tokens_together_at_the_end(world):
    from documents.list_cache import document_list_changes_batched
    from documents.selectors import document_list_token

    def tokens():
        return [schema_context_token(company) for company in (world.alpha, world.beta)]

    def schema_context_token(company):
        with schema_context(company.schema_name):
            return document_list_token()

    before = tokens()
    with transaction.atomic(), document_list_changes_batched():
        with schema_context(world.beta.schema_name):
            document_receive(name="copy.pdf", data=make_pdf(1), source_label="Alpha Ltd")
        with schema_context(world.alpha.schema_name):
            document_upload(name="own.pdf", data=make_pdf(1), acting_user=world.alice)
        assert tokens() == before  # no token row locked while the files were written
    after = tokens()
    assert after[0] != before[0] and after[1] != before[1]


def test_only_addresses_the_list_understands_are_cached(world):
    from django.core.cache import cache

    api = _api(world.alpha, world.alice)
    with tenant_context(world.alpha):
        document_upload(name="a.pdf", data=make_pdf(1), acting_user=world.alice)
        keys_before = set(cache.keys("documents-list-page:*"))
        for junk in range(5):
            assert _names(api.get(f"/api/v1/documents/?junk={junk}")) == ["a.pdf"]
        assert set(cache.keys("documents-list-page:*")) == keys_before
        assert _names(api.get("/api/v1/documents/?search=a")) == ["a.pdf"]
        assert len(set(cache.keys("documents-list-page:*")) - keys_before) == 1
