from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarerequestsConfig(AppConfig):
    name = "hemma.carerequests"
    verbose_name = _("Vårdbegäran och logistik")
