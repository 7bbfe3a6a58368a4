from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows")

    def ready(self) -> None:
        # Models are loaded only now: the registrations import the modules that use them.
        from tenants.hooks import authority_lost_register, company_approved_register
        from workflows.cross_tenant import routes_claim_for_company
        from workflows.hooks import seal_use_approvals_granted_by

        authority_lost_register("approvals_void", seal_use_approvals_granted_by)
        company_approved_register("envelope_routes_claim", routes_claim_for_company)
        from documents.hooks import envelope_evidence_register, envelope_party_sealing_register
        from workflows.evidence import EnvelopeEvidence
        from workflows.sealing_hooks import EnvelopePartySealing

        envelope_party_sealing_register(EnvelopePartySealing())
        envelope_evidence_register(EnvelopeEvidence())
