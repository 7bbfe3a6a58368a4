from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from accounts.lockout import factor_lock_release
from accounts.models import FactorLock, IdentityAppeal, Membership, SecurityEvent, User
from accounts.services import identity_appeal_reject, identity_appeal_uphold
from config.errors import ApplicationError


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


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (IdentityAppeal.Status.UPHELD, _("Uphold: freeze the other account")),
            (IdentityAppeal.Status.REJECTED, _("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason (sent to the appellant)"), widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(IdentityAppeal)
class IdentityAppealAdmin(admin.ModelAdmin):
    list_display = ("created_at", "full_name", "id_number_masked", "contested_user", "status", "decided_by")
    list_filter = ("status",)
    search_fields = ("full_name", "email")
    readonly_fields = (
        "id_number_masked", "contested_user", "full_name", "email", "mobile", "statement", "photo_link",
        "status", "created_at", "decided_at", "decided_by", "decision_reason",
    )  # fmt: skip
    exclude = ("id_photo",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("ID photo"))
    def photo_link(self, obj):
        url = reverse("admin:accounts_identityappeal_photo", args=[obj.pk])
        decide = reverse("admin:accounts_identityappeal_decide", args=[obj.pk])
        links = format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("Open the photo"))
        if obj.status == IdentityAppeal.Status.SUBMITTED:
            links += format_html(' · <a class="button" href="{}">{}</a>', decide, _("Decide"))
        return links

    def get_urls(self):
        return [
            path(
                "<uuid:appeal_id>/photo/",
                self.admin_site.admin_view(self.photo_view),
                name="accounts_identityappeal_photo",
            ),
            path(
                "<uuid:appeal_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="accounts_identityappeal_decide",
            ),
            *super().get_urls(),
        ]

    def photo_view(self, request, appeal_id):
        appeal = get_object_or_404(IdentityAppeal, pk=appeal_id)
        if not self.has_view_permission(request, appeal):
            raise PermissionDenied
        return FileResponse(appeal.id_photo.open("rb"))

    def decide_view(self, request, appeal_id):
        appeal = get_object_or_404(IdentityAppeal, pk=appeal_id)
        if not self.has_change_permission(request, appeal):
            raise PermissionDenied
        form = AppealDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            decide = (
                identity_appeal_uphold
                if form.cleaned_data["decision"] == IdentityAppeal.Status.UPHELD
                else identity_appeal_reject
            )
            try:
                decide(appeal=appeal, acting_user=request.user, reason=form.cleaned_data["reason"])
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Decision recorded; the appellant has been emailed."))
                return redirect("admin:accounts_identityappeal_change", appeal.pk)
        context = {
            **self.admin_site.each_context(request),
            "appeal": appeal,
            "form": form,
            "opts": self.model._meta,
            "title": _("Decide the appeal"),
        }
        return render(request, "admin/accounts/identityappeal/decide.html", context)


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
