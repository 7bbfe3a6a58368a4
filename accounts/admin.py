from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from accounts.lockout import factor_lock_release
from accounts.models import FactorLock, IdentityAppeal, Membership, SecurityEvent, User
from accounts.services import identity_appeal_reject, identity_appeal_uphold
from config.admin_decisions import DecisionAdminMixin


class ReviewerAdminSite(OTPAdminSite):
    """The reviewer admin: staff with a verified second factor only. Sign-in goes through
    the normal two-step login (with its lockouts), never through a second login form."""

    site_header = _("Sealhub review")
    site_title = _("Sealhub review")
    index_title = _("Review queues")

    def login(self, request, extra_context=None):
        if request.user.is_authenticated and request.user.is_staff and not request.user.is_verified():
            messages.warning(request, _("Reviewers must sign in with two-factor authentication. Set it up here first."))
            return redirect("accounts:security")
        next_url = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('accounts:login')}?next={next_url}")


admin.site.__class__ = ReviewerAdminSite


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("company",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "id_number_masked", "is_staff", "is_active", "frozen_at", "date_joined")
    list_filter = ("is_staff", "is_active")
    search_fields = ("email", "full_name", "mobile")
    readonly_fields = ("id_number_masked", "email_verified_at", "frozen_at", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identity"), {"fields": ("full_name", "mobile", "id_number_masked", "email_verified_at")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "frozen_at", "frozen_reason")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "company", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "company__name")
    autocomplete_fields = ("user", "company")


@admin.register(IdentityAppeal)
class IdentityAppealAdmin(DecisionAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "full_name", "id_number_masked", "contested_user", "status", "decided_by")
    list_filter = ("status",)
    search_fields = ("full_name", "email")
    readonly_fields = (
        "id_number_masked", "contested_user", "full_name", "email", "mobile", "statement", "photo_link",
        "decide_link", "status", "created_at", "decided_at", "decided_by", "decision_reason",
    )  # fmt: skip
    exclude = ("id_photo",)
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

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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
class FactorLockAdmin(admin.ModelAdmin):
    list_display = ("user", "factor", "locked_at", "locked_until", "unlocked_at", "unlocked_by")
    list_filter = ("factor",)
    search_fields = ("user__email",)
    readonly_fields = ("user", "factor", "locked_at", "locked_until", "unlocked_at", "unlocked_by")
    actions = ["unlock"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Unlock the selected lockouts"))
    def unlock(self, request, queryset):
        for lock in queryset:
            factor_lock_release(lock=lock, acting_user=request.user)
        messages.success(request, _("Unlocked."))


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "user", "action", "ip_address")
    list_filter = ("action",)
    search_fields = ("user__email", "action")
    readonly_fields = ("occurred_at", "user", "action", "data", "ip_address")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
