from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows")

    def ready(self):
        # Imported here: models are not loaded when this module is.
        from documents.hooks import envelope_party_sealing_register
        from workflows.sealing_hooks import EnvelopePartySealing

        envelope_party_sealing_register(EnvelopePartySealing())
