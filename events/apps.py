from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Audit trail and webhooks")

    def ready(self) -> None:
        # Models are loaded only now: the registrations import the modules that use them.
        from accounts.authority import refusal_recorder_register
        from events.selectors import audit_event_list
        from events.services import (
            audit_event_record,
            audit_event_record_in_company,
            authority_refusal_exists,
            authority_refusal_record,
        )
        from events.webhooks import webhook_endpoints_pause_for
        from tenants.hooks import AuditTrail, audit_trail_register, authority_lost_register

        refusal_recorder_register(authority_refusal_record, exists=authority_refusal_exists)
        audit_trail_register(
            AuditTrail(
                record=audit_event_record, record_in_company=audit_event_record_in_company, latest=audit_event_list
            )
        )
        authority_lost_register("webhooks_paused", webhook_endpoints_pause_for)
