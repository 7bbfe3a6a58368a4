"""Platform reviewers: their group, its permissions, and granting or taking the role."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import SecurityEvent, User
from accounts.two_factor import two_factor_enabled
from config.errors import ApplicationError
from config.row_locks import lock_row_or_none

REVIEWER_GROUP = "Reviewers"


# "view" opens a queue; "change" lets the reviewer decide (the admin edits nothing, see
# config/admin_decisions.py). No permission on users, groups or permissions themselves.
REVIEWER_PERMISSIONS = {
    "accounts": [
        "view_user",
        "view_membership",
        "view_identityappeal",
        "change_identityappeal",
        "view_factorlock",
        "change_factorlock",
        "view_securityevent",
    ],
    "tenants": ["view_company", "change_company", "view_domain", "view_apikey"],
    "seals": ["view_sealapplication", "change_sealapplication", "view_seal", "change_seal", "view_sealstatuschange"],
}


def reviewer_group_ensure():
    """The group platform reviewers belong to: the review queues, nothing more."""
    group, _created = Group.objects.get_or_create(name=REVIEWER_GROUP)
    permissions = [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codenames in REVIEWER_PERMISSIONS.items()
        for codename in codenames
    ]
    group.permissions.set(permissions)
    return group


@transaction.atomic
def reviewer_set(*, email: str, reviewer: bool, granted_by: str) -> User:
    """Make a person a platform reviewer (staff in the Reviewers group) or end it. Only a
    management command calls this: the admin manages no staff."""
    user = lock_row_or_none(User, email=email.strip().lower())
    if user is None:
        raise ApplicationError(_("No account has this email address."), "user_missing", status=404)

    if reviewer and not two_factor_enabled(user):
        # Its first one could otherwise be set up by whoever reset the password by mail.
        raise ApplicationError(
            _("%(email)s has no authenticator app yet: its owner sets one up first (Account security).")
            % {"email": user.email},
            "authenticator_missing",
            status=409,
        )
    group = reviewer_group_ensure()
    user.is_staff = reviewer
    user.save(update_fields=["is_staff"])
    if reviewer:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    action = "reviewer.granted" if reviewer else "reviewer.revoked"
    SecurityEvent.objects.create(user=user, action=action, data={"by": granted_by})
    return user
