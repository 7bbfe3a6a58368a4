"""A person's sign page reads its form data directly: a NUL character in a decline reason
reached PostgreSQL and answered 500. It is refused with 400 before the view runs
(config.views.NullCharacterMiddleware), and the party stays as it was."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from tests.workflows.test_envelope_party_door import _document, _envelope, _verified_browser
from workflows.links import party_link_token
from workflows.models import Party

pytestmark = pytest.mark.django_db


def test_a_person_declining_with_a_nul_in_the_reason_is_refused_and_nothing_changes(
    cast, django_capture_on_commit_callbacks, tasks_run_here
):
    alpha, _bravo, _delta = cast
    envelope = _envelope(alpha, _document(alpha), [("person", 1, "", "张三", "zhangsan@example.com", 300)])
    with tenant_context(alpha.company):
        token = party_link_token(Party.objects.get(envelope=envelope))
    with django_capture_on_commit_callbacks(execute=True):
        browser = _verified_browser(token)

    response = browser.post(f"/sign/{token}/decline/", {"reason": "Not\x00mine"})

    assert response.status_code == 400
    assert "cannot contain a NUL character" in response.content.decode()
    with tenant_context(alpha.company):
        assert Party.objects.get(envelope=envelope).status == Party.Status.ACTIVE
