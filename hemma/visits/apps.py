from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "hemma.visits"
    verbose_name = _("Hembesök och ruttplanering")

    def ready(self):
        # The episode page and the patient page call these; those apps do not import this.
        from . import clinical_summary, concern_alerts

        clinical_summary.register()
        # Monitoring's alert lists ask whose documentation a visit's concern alert is.
        concern_alerts.register()
