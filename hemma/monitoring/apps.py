from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "hemma.monitoring"
    verbose_name = _("Egenmonitorering och larm")
