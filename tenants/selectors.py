from __future__ import annotations

import hashlib
import hmac

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Invitation, Membership
from tenants.models import ApiKey, Company

API_KEY_PREFIX = "shk_"


def api_key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def membership_in_force(*, user_id, company: Company, since=None) -> Membership | None:
    """The membership whose authority something set in motion earlier still runs on: the
    person's current one, if their account is neither frozen nor deactivated. With `since`
    (when the thing was set in motion) a membership begun later does not count: leaving and
    being invited back does not revive what the earlier membership started."""
    if user_id is None:
        return None
    membership = Membership.objects.select_related("user").filter(user_id=user_id, company=company).first()
    if membership is None or membership.user.frozen_at is not None or not membership.user.is_active:
        return None
    if since is not None and membership.created_at > since:
        return None
    return membership


def api_key_list(*, company: Company) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(company=company).select_related("created_by").order_by("-created_at")


def api_key_list_with_creators(*, company: Company) -> list[ApiKey]:
    """The keys for the settings page, each with `creator_membership`: the membership it acts
    with now, or None when it stopped because its creator left or was frozen (two queries)."""
    keys = list(api_key_list(company=company))
    memberships = {
        membership.user_id: membership
        for membership in Membership.objects.filter(company=company, user_id__in={key.created_by_id for key in keys})
    }
    for key in keys:
        membership = memberships.get(key.created_by_id)
        in_force = (
            membership is not None
            and membership.created_at <= key.created_at
            and key.created_by.frozen_at is None
            and key.created_by.is_active
        )
        key.creator_membership = membership if in_force else None
    return keys


def api_key_get(*, company: Company, api_key_id) -> ApiKey:
    """404 for another company's key, exactly as for one that does not exist."""
    try:
        return api_key_list(company=company).get(pk=api_key_id)
    except (ApiKey.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def api_key_find_usable(*, company: Company, raw_key: str) -> ApiKey | None:
    """The key row for `raw_key` if it belongs to `company` and is live, else None.
    The prefix narrows the lookup; the hash comparison is constant-time."""

    if not raw_key.startswith(API_KEY_PREFIX):
        return None
    prefix = raw_key[len(API_KEY_PREFIX) :].split("_", 1)[0]
    api_key = ApiKey.objects.filter(prefix=prefix, company=company).first()
    if api_key is None or not hmac.compare_digest(api_key.key_hash, api_key_hash(raw_key)):
        return None
    return api_key if api_key.is_usable() else None


def membership_list_for_company(*, company: Company) -> QuerySet[Membership]:
    return Membership.objects.filter(company=company).select_related("user").order_by("user__full_name", "user__email")


def membership_get_in_company(*, company: Company, membership_id) -> Membership:
    try:
        return Membership.objects.select_related("user", "company").get(company=company, pk=int(membership_id))
    except (Membership.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def invitation_list_open(*, company: Company) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        company=company, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def invitation_get_in_company(*, company: Company, invitation_id) -> Invitation:
    try:
        return Invitation.objects.select_related("company").get(company=company, pk=invitation_id)
    except (Invitation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
