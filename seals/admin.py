from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from config.admin_decisions import DecisionAdminMixin, ReviewInline, ReviewModelAdmin
from seals.image import face_for, seal_png
from seals.models import Seal, SealApplication, SealStatusChange
from seals.services import seal_application_approve, seal_application_reject, seal_national_summary, seal_status_change


class StatusChangeInline(ReviewInline):
    model = SealStatusChange
    fields = ("changed_at", "from_words", "to_words", "changed_by", "reason")
    readonly_fields = fields

    @admin.display(description=_("From status"))
    def from_words(self, obj):
        return obj.from_label

    @admin.display(description=_("To status"))
    def to_words(self, obj):
        return obj.to_label


@admin.register(SealApplication)
class SealApplicationAdmin(DecisionAdminMixin, ReviewModelAdmin):
    list_display = ("submitted_at", "company", "seal_name", "seal_type", "applicant", "status")
    list_filter = ("status", "seal_type")
    search_fields = ("seal_name", "company__name", "company__uscc")
    readonly_fields = (
        "company",
        "applicant",
        "seal_type",
        "seal_name",
        "key_algorithm",
        "seal_preview",
        "attachment_links",
        "decide_link",
        "status",
        "submitted_at",
        "decided_at",
        "decided_by",
        "decision_reason",
    )
    exclude = ("business_licence", "authorisation_letter")
    inlines = [StatusChangeInline]
    decisions = {
        "approved": (
            _("Approve: issue the certificate and activate the seal"),
            lambda application, **kw: seal_application_approve(application=application, **kw),
        ),
        "rejected": (_("Reject"), lambda application, **kw: seal_application_reject(application=application, **kw)),
    }
    decision_details_template = "admin/seals/sealapplication/details.html"

    def decision_pending(self, obj) -> bool:
        return obj.status == SealApplication.Status.SUBMITTED

    @admin.display(description=_("Attachments"))
    def attachment_links(self, obj):
        links = [
            (reverse("admin:seals_sealapplication_attachment", args=[obj.pk, name]), label)
            for name, label in (
                ("business_licence", _("Business licence")),
                ("authorisation_letter", _("Authorisation letter")),
            )
            if getattr(obj, name)
        ]
        return format_html_join(" · ", '<a href="{}" target="_blank" rel="noopener">{}</a>', links)

    @admin.display(description=_("Seal preview"))
    def seal_preview(self, obj):
        url = reverse("admin:seals_sealapplication_preview", args=[obj.pk])
        return format_html('<img src="{}" alt="" width="159" height="159">', url)

    def get_urls(self):
        attachment = self.admin_site.admin_view(self.attachment_view)
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("<uuid:pk>/attachment/<slug:name>/", attachment, name="seals_sealapplication_attachment"),
            path("<uuid:pk>/preview.png", preview, name="seals_sealapplication_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request, pk):
        application = get_object_or_404(SealApplication.objects.select_related("company"), pk=pk)
        if not self.has_view_permission(request, application):
            raise PermissionDenied
        face = face_for(
            seal_type=application.seal_type,
            company_name=application.company.name,
            seal_name=application.seal_name,
            code="",
            uscc=application.company.uscc,
        )
        return HttpResponse(seal_png(face), content_type="image/png")

    def attachment_view(self, request, pk, name):
        application = get_object_or_404(SealApplication, pk=pk)
        if not self.has_view_permission(request, application):
            raise PermissionDenied
        if name not in ("business_licence", "authorisation_letter") or not getattr(application, name):
            raise Http404
        return FileResponse(getattr(application, name).open("rb"))


@admin.register(Seal)
class SealAdmin(DecisionAdminMixin, ReviewModelAdmin):
    list_display = ("code", "name", "company", "seal_type", "issuer", "status", "not_after")
    list_filter = ("status", "seal_type", "issuer")
    search_fields = ("code", "name", "company__name", "company__uscc", "certificate_serial")
    readonly_fields = (
        "code",
        "name",
        "company",
        "seal_type",
        "issuer",
        "status",
        "certificate_serial",
        "not_before",
        "not_after",
        "status_changed_at",
        "status_reason",
        "dual_signing_words",
        "national_seal_fields",
        "decide_link",
    )
    exclude = ("application", "dual_signing")

    # Words, not the admin's yes/no icon (whose text alternative is English in every language).
    @admin.display(description=_("also sign in the national format (SM2)"))
    def dual_signing_words(self, obj):
        return _("Yes") if obj.dual_signing else _("No")

    @admin.display(description=_("National format seal (GB/T 38540)"))
    def national_seal_fields(self, obj):
        summary = seal_national_summary(obj)
        if summary is None:
            return "—"
        labels = {
            "es_id": _("Seal identifier (esID)"),
            "vendor_id": _("Vendor"),
            "version": _("Version"),
            "name": _("Name"),
            "seal_type": _("Seal type (1 organisation, 2 person)"),
            "certificate_count": _("Certificates listed"),
            "created_at": _("Made"),
            "valid_from": _("Valid from"),
            "valid_until": _("Valid until"),
            "picture": _("Picture"),
            "maker": _("Maker"),
            "signature_algorithm": _("Signature algorithm"),
            "size": _("Size (bytes)"),
        }
        rows = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", ((labels[k], v) for k, v in summary.items()))
        url = reverse("admin:seals_seal_national_seal", args=[obj.pk])
        return format_html('<table>{}</table><p><a href="{}">{}</a></p>', rows, url, _("Download seal (.esl)"))

    def get_urls(self):
        download = self.admin_site.admin_view(self.national_seal_view)
        return [
            path("<uuid:pk>/seal.esl", download, name="seals_seal_national_seal"),
            *super().get_urls(),
        ]

    def national_seal_view(self, request, pk):
        seal = get_object_or_404(Seal, pk=pk)
        if not self.has_view_permission(request, seal):
            raise PermissionDenied
        if not seal.national_seal_der:
            raise Http404
        response = HttpResponse(bytes(seal.national_seal_der), content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="seal-{seal.code}.esl"'
        return response

    inlines = [StatusChangeInline]
    decisions = {
        "suspended": (
            _("Suspend (certificate on hold)"),
            lambda seal, **kw: seal_status_change(seal=seal, to_status="suspended", **kw),
        ),
        "active": (_("Restore"), lambda seal, **kw: seal_status_change(seal=seal, to_status="active", **kw)),
        "revoked": (_("Revoke for good"), lambda seal, **kw: seal_status_change(seal=seal, to_status="revoked", **kw)),
    }
    decision_details_template = "admin/seals/seal/details.html"

    def decision_pending(self, obj) -> bool:
        return obj.status != Seal.Status.REVOKED
