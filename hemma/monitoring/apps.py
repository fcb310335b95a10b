from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "hemma.monitoring"
    verbose_name = _("Egenmonitorering och larm")

    def ready(self):
        # The flow calls these (hemma/episodes/hooks.py); it does not import this app.
        from . import episode_hooks

        episode_hooks.register()
