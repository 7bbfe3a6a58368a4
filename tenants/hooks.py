"""Where higher apps take part in what tenants does, without tenants importing them
(docs/architecture.md, "Apps and layers"). Each registers its functions when Django starts,
in its `AppConfig.ready`:

- the audit trail (`events`): tenants records members, keys and reviews in a company's
  trail and shows its latest rows on the company's home page;
- follow-ups when a member loses authority (`events` pauses the webhook endpoints they
  vouched for, `workflows` voids their seal-use approvals);
- follow-ups when a company's registration is approved (`workflows` delivers the
  envelopes that were waiting for it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class AuditTrail:
    record: Callable[..., Any]  # keyword arguments of events.services.audit_event_record
    record_in_company: Callable[..., Any]  # (company, **the same)
    latest: Callable[[], Any]  # the current company's rows, newest first


_audit_trail: list[AuditTrail] = []
# name of the AuthorityEffects field -> (user=, role=) -> what stopped; runs in the company's schema
_authority_lost: dict[str, Callable[..., list]] = {}
_company_approved: dict[str, Callable[..., Any]] = {}


def audit_trail_register(trail: AuditTrail) -> None:
    _audit_trail[:] = [trail]


def _trail() -> AuditTrail:
    if not _audit_trail:
        # An audited change must never go through unrecorded.
        raise ImproperlyConfigured("no audit trail is registered (is the events app installed?)")
    return _audit_trail[0]


def audit_event_record(**kwargs) -> Any:
    """An audit row in the current company's trail, in the caller's transaction."""
    return _trail().record(**kwargs)


def audit_event_record_in_company(company, **kwargs) -> Any:
    """An audit row in `company`'s trail, from code running in the public schema."""
    return _trail().record_in_company(company, **kwargs)


def audit_event_latest() -> Any:
    return _trail().latest()


def authority_lost_register(effect: str, follow_up: Callable[..., list]) -> None:
    """`follow_up(user=, role=)` stops what `user` set in motion that `role` (None: no
    longer a member) may not do, and returns it for the owner's notice (`effect` names the
    field of tenants.members.AuthorityEffects that lists it)."""
    _authority_lost[effect] = follow_up


def authority_lost_follow_ups() -> dict[str, Callable[..., list]]:
    return dict(_authority_lost)


def company_approved_register(name: str, follow_up: Callable[..., Any]) -> None:
    """`follow_up(company=)` runs in the approving transaction."""
    _company_approved[name] = follow_up


def company_approved_follow_ups() -> list[Callable[..., Any]]:
    return list(_company_approved.values())
