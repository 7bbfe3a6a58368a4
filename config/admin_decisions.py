"""The reviewer admin's building blocks: read-only model pages and a decision page
(approve/uphold or reject, with a reason). A decision is the only write the admin makes."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config.errors import ApplicationError


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason (sent to the applicant)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = choices


class ReviewModelAdmin(admin.ModelAdmin):
    """Every page of the reviewer admin: it shows records and never adds, edits or deletes
    them, for reviewers and for a superuser acting in the admin alike. Writes happen only
    through a decision (`DecisionAdminMixin`) or an action marked with the "decide"
    permission, each of which calls a service that audits it."""

    list_editable = ()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request, obj=None) -> bool:
        """Deciding needs the model's "change" permission (the Reviewers group holds it)."""
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename('change', opts)}")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST":
            self._write_refuse(request, "change" if object_id else "add", object_id)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "POST":
            self._write_refuse(request, "delete", object_id)
        return super().delete_view(request, object_id, extra_context)

    def _write_refuse(self, request, what: str, object_id) -> None:
        """An attempt to write through a review page is refused and audited by the site."""
        record = getattr(self.admin_site, "write_refusal_record", None)
        if record is not None:
            record(request, model=self.opts.label, what=what, object_id=object_id)
        raise PermissionDenied

    def get_actions(self, request):
        # Only actions that are decisions: delete_selected and any action that did not ask
        # for the "decide" permission never reach a reviewer.
        actions = super().get_actions(request)
        return {
            name: action
            for name, action in actions.items()
            if "decide" in getattr(action[0], "allowed_permissions", ())
        }


class ReviewInline(admin.TabularInline):
    """Related rows shown on a review page, read-only."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DecisionAdminMixin:
    """Subclasses set `decisions = {value: (label, service)}` and `decision_pending(obj)`;
    each service takes (obj, acting_user=, reason=) and may raise ApplicationError."""

    decisions: dict = {}
    decision_template = "admin/decide.html"
    decision_details_template = ""

    def decision_pending(self, obj) -> bool:
        raise NotImplementedError

    def _decide_url_name(self) -> str:
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_decide"

    def decide_link(self, obj):
        if obj is None or not obj.pk or not self.decision_pending(obj):
            return "—"
        url = reverse(f"admin:{self._decide_url_name()}", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Decide"))

    decide_link.short_description = _("Review")

    def get_urls(self):
        return [
            path(
                "<path:object_id>/decide/", self.admin_site.admin_view(self.decide_view), name=self._decide_url_name()
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, object_id):
        # get_object answers None for an id that is not one (a UUID key raised a 500 here).
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_decide_permission(request, obj):
            raise PermissionDenied
        choices = [(value, label) for value, (label, _service) in self.decisions.items()]
        form = DecisionForm(request.POST or None, choices=choices)
        if request.method == "POST" and form.is_valid():
            _label, service = self.decisions[form.cleaned_data["decision"]]
            try:
                service(obj, acting_user=request.user, reason=form.cleaned_data["reason"])
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Decision recorded; the applicant has been emailed."))
                return redirect(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_change", obj.pk)
        context = {
            **self.admin_site.each_context(request),
            "object": obj,
            "form": form,
            "opts": self.model._meta,
            "title": _("Decide"),
            "details_template": self.decision_details_template,
        }
        return render(request, self.decision_template, context)
