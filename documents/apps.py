from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self):
        from config.views import HEALTH_DETAILS
        from documents.verification import trusted_ca_status

        HEALTH_DETAILS["trusted_ca"] = trusted_ca_status
        trusted_ca_status()  # a certificate that cannot be read is said once, at start-up
