from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AmbulanceConfig(AppConfig):
    name = "hemma.ambulance"
    verbose_name = _("Ambulans")

    def ready(self):
        # The episode page calls this (hemma/episodes/hooks.py); it does not import this app.
        from . import episode_hooks

        episode_hooks.register()
