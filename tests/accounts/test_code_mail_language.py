"""A one-time code mail is written in its recipient's language, whatever language the
page that asked for it was in."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation

from accounts.codes import code_send
from accounts.models import OneTimeCode, User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "subject"), [("en", "Your Sealhub code"), ("zh-hans", None)])
def test_the_code_mail_is_in_the_recipients_language(world, django_capture_on_commit_callbacks, language, subject):
    User.objects.filter(pk=world.alice.pk).update(language=language)
    world.alice.refresh_from_db()
    other = "zh-hans" if language == "en" else "en"
    with translation.override(other), django_capture_on_commit_callbacks(execute=True):
        code_send(user=world.alice, purpose=OneTimeCode.Purpose.SEAL_USE)
    with translation.override(language):
        expected = subject or translation.gettext("Your Sealhub code")
    assert mail.outbox[-1].subject == expected
    assert expected != "Your Sealhub code" or "valid for 10 minutes" in mail.outbox[-1].body
