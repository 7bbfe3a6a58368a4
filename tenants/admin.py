from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.admin_decisions import DecisionAdminMixin, ReviewInline, ReviewModelAdmin
from tenants.models import ApiKey, Company, Domain
from tenants.services import company_registration_approve, company_registration_reject


class DomainInline(ReviewInline):
    model = Domain
    fields = ("address", "primary")
    readonly_fields = fields

    @admin.display(description=_("Host name"))
    def address(self, obj):
        return obj.domain

    @admin.display(description=_("Primary address"))
    def primary(self, obj):
        return _("Yes") if obj.is_primary else _("No")


@admin.register(Company)
class CompanyAdmin(DecisionAdminMixin, ReviewModelAdmin):
    list_display = ("name", "slug", "uscc", "status", "verification", "created_at")
    list_filter = ("verification", "status")
    search_fields = ("name", "slug", "uscc")
    readonly_fields = (
        "schema",
        "created_at",
        "verification",
        "reviewed_at",
        "reviewer",
        "review_reason",
        "decide_link",
    )
    exclude = ("schema_name", "reviewed_by")
    inlines = [DomainInline]
    decisions = {
        "approved": (
            _("Approve the registration"),
            lambda company, **kwargs: company_registration_approve(company=company, **kwargs),
        ),
        "rejected": (
            _("Reject the registration"),
            lambda company, **kwargs: company_registration_reject(company=company, **kwargs),
        ),
    }
    decision_details_template = "admin/tenants/company/details.html"

    # The mixins' own fields carry no verbose name; these say what they are in both languages.
    @admin.display(description=_("Database schema"))
    def schema(self, obj):
        return obj.schema_name

    @admin.display(description=_("Reviewed by"))
    def reviewer(self, obj):
        return obj.reviewed_by or "—"

    def decision_pending(self, obj) -> bool:
        return obj.verification == Company.Verification.PENDING

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(schema_name="public")


@admin.register(ApiKey)
class ApiKeyAdmin(ReviewModelAdmin):
    """Keys are created by the company so that only they ever see them."""

    list_display = ("name", "company", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "company__name")
    exclude = ("key_hash",)
    readonly_fields = [field.name for field in ApiKey._meta.fields if field.name != "key_hash"]
