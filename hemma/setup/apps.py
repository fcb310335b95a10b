from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SetupConfig(AppConfig):
    name = "hemma.setup"
    verbose_name = _("Uppsättning av region och kommun")
