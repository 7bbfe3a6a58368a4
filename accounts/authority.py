"""Who may do what in a company: one table of role × action, asked wherever company data is
read or written (views, API views and the services behind them), so the browser and the API
cannot diverge. An API key acts with its creator's current membership, and its scopes can
only narrow what that membership allows.

This module sits at the bottom of the layers: it imports nothing of the apps. Writing an
audit row for a refusal is a hook that the audit app registers (`refusal_recorder_register`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_tenant_model

from config.errors import ExplainedRefusal

# The values of accounts.models.Membership.Role (a test keeps both in step).
OWNER = "owner"
ADMIN = "admin"
SEAL_KEEPER = "seal_keeper"
MEMBER = "member"
AUDITOR = "auditor"
ROLES = (OWNER, ADMIN, SEAL_KEEPER, MEMBER, AUDITOR)


class Action(enum.StrEnum):
    """Everything a member can do in a company that a role decides. The value is what an
    audit row of a refusal names."""

    COMPANY_READ = "company.read"
    COMPANY_SETTINGS = "company.settings"  # the company's settings (signature level)
    DOCUMENT_READ = "document.read"  # documents, versions, page images, verification
    DOCUMENT_UPLOAD = "document.upload"
    DOCUMENT_DELETE = "document.delete"
    DOCUMENT_PLACE = "document.place"  # add, move and remove seal placements
    DOCUMENT_SEAL = "document.seal"  # also needs a right on the seal (seals.selectors)
    SEAL_USE_ANY = "seal.use_any"  # seal with any of the company's seals without an authorisation
    SEAL_USE_REQUEST = "seal_use.request"  # ask to use a seal one has no right on
    SEAL_USE_APPROVE = "seal_use.approve"  # approve or reject such a request
    SEAL_USE_READ_ALL = "seal_use.read_all"  # everyone's requests (members see their own)
    ENVELOPE_READ = "envelope.read"
    ENVELOPE_SEND = "envelope.send"  # draft, parties, fields, send, remind, cancel
    INBOX_READ = "inbox.read"  # envelopes other companies sent to this one
    INBOX_ACT = "inbox.act"  # seal, decline or reassign them for the company
    SEAL_READ = "seal.read"
    SEAL_APPLY = "seal.apply"  # apply for, import, register a hardware key
    SEAL_MANAGE = "seal.manage"  # status, authorisations, dual signing, seal password
    MEMBER_READ = "member.read"
    MEMBER_MANAGE = "member.manage"  # invite, change roles, remove
    API_KEY_MANAGE = "api_key.manage"
    WEBHOOK_MANAGE = "webhook.manage"
    AUDIT_READ = "audit.read"
    EVIDENCE_READ = "evidence.read"  # evidence packages hold the trail: who may read it (AUDIT_READ) may


ACTION_LABELS: dict[Action, Any] = {
    Action.COMPANY_READ: _("see the company"),
    Action.COMPANY_SETTINGS: _("change the company's settings"),
    Action.DOCUMENT_READ: _("read documents"),
    Action.DOCUMENT_UPLOAD: _("upload documents"),
    Action.DOCUMENT_DELETE: _("delete documents"),
    Action.DOCUMENT_PLACE: _("place seals on documents"),
    Action.DOCUMENT_SEAL: _("seal documents"),
    Action.SEAL_USE_ANY: _("use any of the company's seals without an authorisation"),
    Action.SEAL_USE_REQUEST: _("ask to use a seal"),
    Action.SEAL_USE_APPROVE: _("approve seal-use requests"),
    Action.SEAL_USE_READ_ALL: _("see every seal-use request"),
    Action.ENVELOPE_READ: _("read envelopes"),
    Action.ENVELOPE_SEND: _("prepare, send and cancel envelopes"),
    Action.INBOX_READ: _("read envelopes sent to the company"),
    Action.INBOX_ACT: _("seal, decline or reassign envelopes for the company"),
    Action.SEAL_READ: _("see seals"),
    Action.SEAL_APPLY: _("apply for or import seals"),
    Action.SEAL_MANAGE: _("manage seals and seal passwords"),
    Action.MEMBER_READ: _("see members"),
    Action.MEMBER_MANAGE: _("manage members"),
    Action.API_KEY_MANAGE: _("manage API keys"),
    Action.WEBHOOK_MANAGE: _("manage webhooks"),
    Action.AUDIT_READ: _("read the audit trail"),
    Action.EVIDENCE_READ: _("download evidence packages"),
}

_READ = frozenset(
    {
        Action.COMPANY_READ,
        Action.DOCUMENT_READ,
        Action.ENVELOPE_READ,
        Action.INBOX_READ,
        Action.SEAL_READ,
        Action.MEMBER_READ,
    }
)
_DAILY_WORK = _READ | {
    Action.DOCUMENT_UPLOAD,
    Action.DOCUMENT_DELETE,
    Action.DOCUMENT_PLACE,
    Action.DOCUMENT_SEAL,
    Action.SEAL_USE_REQUEST,
    Action.ENVELOPE_SEND,
}
_SEAL_CUSTODY = {
    Action.SEAL_USE_READ_ALL,
    Action.SEAL_USE_ANY,
    Action.SEAL_USE_APPROVE,
    Action.INBOX_ACT,
    Action.SEAL_APPLY,
    Action.SEAL_MANAGE,
}

# The table. Owners and admins differ only in who may grant or take the owner role
# (tenants.members). Seal keepers hold the seals but not the company's people, keys,
# webhooks or trail; members do the daily work with the seals they were given; auditors
# read, including the trail, and write nothing.
AUTHORITY: dict[str, frozenset[Action]] = {
    OWNER: frozenset(Action),
    ADMIN: frozenset(Action),
    SEAL_KEEPER: frozenset(_DAILY_WORK | _SEAL_CUSTODY),
    MEMBER: frozenset(_DAILY_WORK),
    AUDITOR: frozenset(_READ | {Action.AUDIT_READ, Action.SEAL_USE_READ_ALL, Action.EVIDENCE_READ}),
}


def role_may(role: str, action: Action) -> bool:
    return action in AUTHORITY.get(role, frozenset())


def roles_that_may(action: Action) -> list[str]:
    """For queries such as "whom to ask for an approval": `role__in=roles_that_may(...)`."""
    return [role for role in ROLES if role_may(role, action)]


class AuthorityRefused(ExplainedRefusal):
    """A member's role does not allow the action: 403 with the reason, and an audit row."""

    code = "role_forbids"
    status = 403

    def __init__(self, *, membership: Any, action: Action, actor_label: str | None = None):
        self.membership = membership
        self.action = action
        self.actor_label = actor_label
        self.audit_row_id: Any = None
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return gettext("Your role (%(role)s) does not allow this: %(action)s.") % {
            "role": role_label(self.membership.role),
            "action": ACTION_LABELS[self.action],
        }

    def at_response(self) -> None:
        refusal_record(self)  # again: a rolled-back transaction around the check took its audit row


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


ROLE_LABELS: dict[str, Any] = {
    OWNER: _("Owner"),
    ADMIN: _("Administrator"),
    SEAL_KEEPER: _("Seal keeper"),
    MEMBER: _("Member"),
    AUDITOR: _("Auditor"),
}

# Writes the audit row of a refusal and returns its id; registered by the audit app.
RefusalRecorder = Callable[[AuthorityRefused], Any]
_refusal_recorders: list[RefusalRecorder] = []
_refusal_row_exists: list[Callable[[AuthorityRefused], bool]] = []


def refusal_recorder_register(record: RefusalRecorder, *, exists: Callable[[AuthorityRefused], bool]) -> None:
    """`record` writes a refusal's audit row; `exists` tells whether it is still there (a
    refusal raised inside a transaction loses its row when the transaction rolls back)."""
    _refusal_recorders[:] = [record]
    _refusal_row_exists[:] = [exists]


def authority_check(*, membership: Any, action: Action, actor_label: str | None = None) -> None:
    """Raise AuthorityRefused (a PermissionDenied) unless `membership`'s role allows `action`.
    `membership` is the acting member: the signed-in person, or an API key's creator."""
    if role_may(membership.role, action):
        return
    refusal = AuthorityRefused(membership=membership, action=action, actor_label=actor_label)
    refusal_record(refusal)
    raise refusal


def refusal_record(refusal: AuthorityRefused) -> None:
    """Leave the refusal's audit row, once; called again where the request ends (the 403
    handlers) to write it anew if a rolled-back transaction took it away."""
    if not _refusal_recorders:
        return
    if refusal.audit_row_id is not None and _refusal_row_exists[0](refusal):
        return
    refusal.audit_row_id = _refusal_recorders[0](refusal)


def every_method(action: Action) -> dict[str, Action]:
    """An API view's `authority` when all its methods need the same action."""
    return dict.fromkeys(("GET", "POST", "PUT", "PATCH", "DELETE"), action)


def authority_required(action: Action, *, post: Action | None = None):
    """Page views: the signed-in member's role must allow `action` (for POST: `post` when
    given). The tenant middleware has put the membership on the request."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            wanted = post if post is not None and request.method == "POST" else action
            authority_check(membership=request.membership, action=wanted)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def authority_check_for(*, acting_user: Any, company: Any, action: Action) -> None:
    """Services: the same check from what a service is given. `acting_user` is a person,
    or an API key principal (it carries `api_key`) acting with its creator's current
    membership; None is the platform itself (workers, reviews), which no role limits."""
    if acting_user is None:
        return
    api_key = getattr(acting_user, "api_key", None)
    # A key's principal carries its creator's membership, loaded (and checked to be in
    # force) when the key was authenticated at this request.
    membership = getattr(acting_user, "membership", None) if api_key is not None else None
    if membership is None or membership.company_id != company.pk:
        user_id = api_key.created_by_id if api_key is not None else acting_user.pk
        # Through the company: accounts.models imports this module.
        membership = company.memberships.select_related("company", "user").filter(user_id=user_id).first()
    if membership is None:
        raise PermissionDenied(gettext("Only members of the company can do this."))
    authority_check(membership=membership, action=action, actor_label=str(acting_user) if api_key is not None else None)


def current_company() -> Any:
    """The company whose schema the connection is in (services that work in one)."""
    tenant = connection.tenant
    if isinstance(tenant, get_tenant_model()):
        return tenant
    # schema_context() sets a stand-in that knows only the schema's name.
    return get_tenant_model().objects.get(schema_name=connection.schema_name)
