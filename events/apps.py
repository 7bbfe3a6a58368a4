from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Audit trail and webhooks")

    def ready(self) -> None:
        from accounts.authority import refusal_recorder_register
        from events.services import authority_refusal_exists, authority_refusal_record

        refusal_recorder_register(authority_refusal_record, exists=authority_refusal_exists)
