from django.contrib import admin

from tenants.models import ApiKey, Company, Domain


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "uscc", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "slug", "uscc")
    readonly_fields = ("schema_name", "created_at")
    inlines = [DomainInline]

    def has_delete_permission(self, request, obj=None):
        return False  # companies are suspended, never deleted with their records


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "company", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "company__name")
    readonly_fields = [field.name for field in ApiKey._meta.fields]

    def has_add_permission(self, request):
        return False  # keys are created by the company so that only they ever see them
