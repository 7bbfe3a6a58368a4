"""Mail to users goes out in each recipient's language (User.language), whoever's request
sent it: a reviewer working in Chinese decides for an owner who reads English."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.utils import translation

from accounts.models import User
from config.mail import mail_queue


def language_of(user: User) -> str:
    """The language of the person's last sign-in; for someone who never signed in, the
    language the mail is being written in."""
    known = {code for code, _name in settings.LANGUAGES}
    if user.language in known:
        return user.language
    active = translation.get_language()
    return active if active in known else settings.LANGUAGE_CODE


def mail_users(*, users: Iterable[User], render: Callable[[], tuple[str, str]]) -> None:
    """After the commit (through the mail queue), one mail per language: `render()` gives (subject, body) and is
    called with that language active."""
    by_language: dict[str, list[str]] = defaultdict(list)
    for user in users:
        if user.email and user.email not in by_language[language_of(user)]:
            by_language[language_of(user)].append(user.email)
    for language, emails in by_language.items():
        with translation.override(language):
            subject, body = render()
        mail_queue(subject=subject, body=body, to=emails)
