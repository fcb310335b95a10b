from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    name = "hemma.coordination"
    verbose_name = _("Samordning vid utskrivning")

    def ready(self):
        # The flow and the patient page call these; they do not import this app.
        from hemma.patients.hooks import register_patient_panel

        from . import episode_hooks, frailty

        episode_hooks.register()
        register_patient_panel(frailty.patient_panel)
