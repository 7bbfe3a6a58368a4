from __future__ import annotations

import re

import pytest
from django.core import mail

from accounts.models import User
from tests.conftest import client_on

ALICE_ID = "11010519491231002X"
OTHER_ID = "310101199003071230"


def last_code(to: str) -> str:
    for message in reversed(mail.outbox):
        found = re.search(r"\b(\d{6})\b", message.body) if to in message.to else None
        if found:  # notices about account changes carry no code
            return found.group(1)
    raise AssertionError(f"no code sent to {to}")


def registration(**overrides) -> dict:
    data = {
        "full_name": "张三",
        "id_number": ALICE_ID,
        "email": "zhang@example.com",
        "mobile": "13812345678",
        "password": "Tr1cky-Seal-Pass",
        "password_again": "Tr1cky-Seal-Pass",
    }
    data.update(overrides)
    return data


@pytest.fixture
def registered(db) -> User:
    """Someone already registered with ALICE_ID."""
    response = client_on(None).post("/accounts/register/", registration())
    assert response.status_code == 302
    mail.outbox.clear()
    return User.objects.get(email="zhang@example.com")


@pytest.fixture
def reviewer(db) -> User:
    return User.objects.create_superuser("reviewer@sealhub.example", "Reviewer-Pass-2026", full_name="Reviewer")
