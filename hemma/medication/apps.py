from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedicationConfig(AppConfig):
    name = "hemma.medication"
    verbose_name = _("Läkemedel i hemmet")

    def ready(self):
        # The round calls this (hemma/episodes/hooks.py); it does not import this app.
        from . import episode_hooks

        episode_hooks.register()
