from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows and audit")

    def ready(self) -> None:
        from accounts.authority import refusal_recorder_register
        from workflows.services import authority_refusal_exists, authority_refusal_record

        refusal_recorder_register(authority_refusal_record, exists=authority_refusal_exists)
