from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from accounts.lockout import factor_lock_release
from accounts.models import (
    AuthenticatorDevice,
    FactorLock,
    IdentityAppeal,
    Membership,
    RecoveryCodeDevice,
    SecurityEvent,
    User,
)
from accounts.services import identity_appeal_reject, identity_appeal_uphold
from config.admin_decisions import DecisionAdminMixin, ReviewInline, ReviewModelAdmin
from config.client import client_address

# A session verified by one of these may open the admin; an emailed code never does.
ADMIN_SECOND_FACTORS = (AuthenticatorDevice, RecoveryCodeDevice)


class ReviewerAdminSite(OTPAdminSite):
    """The reviewer admin: staff with a verified authenticator (or a recovery code) only.
    Sign-in goes through the normal two-step login (with its lockouts), never through a
    second login form. Reviewers decide; nobody manages accounts, groups, permissions or
    passwords here, superusers included (those are made by `manage.py createsuperuser`)."""

    site_header = _("Sealhub review")
    site_title = _("Sealhub review")
    index_title = _("Review queues")

    def has_permission(self, request):
        user = request.user
        device = getattr(user, "otp_device", None)
        return (
            super().has_permission(request)
            and user.frozen_at is None
            and isinstance(device, ADMIN_SECOND_FACTORS)
            and device.user_id == user.pk
        )

    def login(self, request, extra_context=None):
        user = request.user
        if user.is_authenticated and not user.is_staff:
            messages.error(request, _("The review pages are for platform reviewers only."))
            return redirect("home")
        if user.is_authenticated and not self.has_permission(request):
            messages.warning(request, _("Reviewers must sign in with two-factor authentication. Set it up here first."))
            return redirect("accounts:security")
        next_url = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('accounts:login')}?next={next_url}")

    def password_change(self, request, extra_context=None):
        # Passwords change only through the account's own reset, which mails the owner.
        return redirect("accounts:password_reset")

    def password_change_done(self, request, extra_context=None):
        return redirect("accounts:password_reset")

    def write_refusal_record(self, request, *, model: str, what: str, object_id) -> None:
        SecurityEvent.objects.create(
            user=request.user,
            action="admin.write_refused",
            data={"model": model, "what": what, "object": str(object_id or "")},
            ip_address=client_address(request),
        )

    def register(self, model_or_iterable, admin_class=None, **options):
        if admin_class is None or not issubclass(admin_class, ReviewModelAdmin):
            raise ImproperlyConfigured("The reviewer admin shows models only through a ReviewModelAdmin.")
        super().register(model_or_iterable, admin_class, **options)

    def get_urls(self):
        # Apps imported before this module registered on the plain site; check them all here.
        for model, model_admin in self._registry.items():
            if not isinstance(model_admin, ReviewModelAdmin):
                raise ImproperlyConfigured(f"{model.__name__} is in the reviewer admin without a ReviewModelAdmin.")
        # No record has a page on the site, so "view on site" (/admin/r/…) has nothing to
        # show; it answered 500 for an id that is not a UUID.
        return [url for url in super().get_urls() if getattr(url, "name", None) != "view_on_site"]


admin.site.__class__ = ReviewerAdminSite
if admin.site.is_registered(Group):
    admin.site.unregister(Group)  # reviewers never manage groups or permissions


class MembershipInline(ReviewInline):
    model = Membership
    fields = ("company", "role", "created_at")
    readonly_fields = fields


@admin.register(User)
class UserAdmin(ReviewModelAdmin):
    """Lookup only: who an applicant or a contested account is. No password, flag, group
    or email is changed here."""

    ordering = ("email",)
    list_display = ("email", "full_name", "id_number_masked", "staff", "active", "frozen_at", "date_joined")
    list_filter = ("is_staff", "is_active")
    search_fields = ("email", "full_name", "mobile")
    fieldsets = (
        (None, {"fields": ("email",)}),
        (_("Identity"), {"fields": ("full_name", "mobile", "id_number_masked", "email_verified_at")}),
        (_("Access"), {"fields": ("active", "staff", "frozen_at", "frozen_reason")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = tuple(field for _title, options in fieldsets for field in options["fields"])
    inlines = [MembershipInline]

    # Words, not the admin's yes/no icons (whose text alternative is English in every language).
    @admin.display(description=_("Platform reviewer"), ordering="is_staff")
    def staff(self, obj):
        return _("Yes") if obj.is_staff else _("No")

    @admin.display(description=_("Active"), ordering="is_active")
    def active(self, obj):
        return _("Yes") if obj.is_active else _("No")


@admin.register(Membership)
class MembershipAdmin(ReviewModelAdmin):
    list_display = ("user", "company", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "company__name")
    readonly_fields = ("user", "company", "role", "created_at")


@admin.register(IdentityAppeal)
class IdentityAppealAdmin(DecisionAdminMixin, ReviewModelAdmin):
    list_display = ("created_at", "full_name", "id_number_masked", "contested_user", "status", "decided_by_label")
    list_filter = ("status",)
    search_fields = ("full_name", "email")
    readonly_fields = (
        "id_number_masked",
        "contested_user",
        "full_name",
        "email",
        "mobile",
        "statement",
        "photo_link",
        "decide_link",
        "status",
        "created_at",
        "decided_at",
        "decided_by_label",
        "decision_reason",
    )
    exclude = ("id_photo", "decided_by")
    decisions = {
        "upheld": (
            _("Uphold: freeze the other account and free the ID number"),
            lambda appeal, **kwargs: identity_appeal_uphold(appeal=appeal, **kwargs),
        ),
        "rejected": (_("Reject"), lambda appeal, **kwargs: identity_appeal_reject(appeal=appeal, **kwargs)),
    }
    decision_details_template = "admin/accounts/identityappeal/details.html"

    def decision_pending(self, obj) -> bool:
        return obj.status == IdentityAppeal.Status.SUBMITTED

    # The model field has no translated name (changing it would be a migration for a label).
    @admin.display(description=_("Decided by"), ordering="decided_by")
    def decided_by_label(self, obj):
        return obj.decided_by or "—"

    @admin.display(description=_("ID photo"))
    def photo_link(self, obj):
        url = reverse("admin:accounts_identityappeal_photo", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("Open the photo"))

    def get_urls(self):
        photo = self.admin_site.admin_view(self.photo_view)
        return [path("<uuid:appeal_id>/photo/", photo, name="accounts_identityappeal_photo"), *super().get_urls()]

    def photo_view(self, request, appeal_id):
        appeal = get_object_or_404(IdentityAppeal, pk=appeal_id)
        if not self.has_view_permission(request, appeal):
            raise PermissionDenied
        return FileResponse(appeal.id_photo.open("rb"))


@admin.register(FactorLock)
class FactorLockAdmin(ReviewModelAdmin):
    list_display = ("user", "factor", "locked_at", "locked_until", "unlocked_at", "unlocked_by")
    list_filter = ("factor",)
    search_fields = ("user__email",)
    readonly_fields = ("user", "factor", "locked_at", "locked_until", "unlocked_at", "unlocked_by")
    actions = ["unlock"]

    @admin.action(description=_("Unlock the selected lockouts"), permissions=["decide"])
    def unlock(self, request, queryset):
        for lock in queryset:
            factor_lock_release(lock=lock, acting_user=request.user)
        messages.success(request, _("Unlocked."))


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReviewModelAdmin):
    list_display = ("when", "account", "event", "address")
    search_fields = ("user__email", "action")
    readonly_fields = ("when", "account", "event", "data", "address")
    exclude = ("action", "occurred_at", "ip_address", "user")

    @admin.display(description=_("Account"))
    def account(self, obj):
        return obj.user or "—"

    @admin.display(description=_("Time"), ordering="occurred_at")
    def when(self, obj):
        return localtime(obj.occurred_at).strftime("%Y-%m-%d %H:%M:%S")

    @admin.display(description=_("IP address"))
    def address(self, obj):
        return obj.ip_address or "—"

    @admin.display(description=_("Event"), ordering="action")
    def event(self, obj):
        return obj.action_label
