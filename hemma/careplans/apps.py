from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareplansConfig(AppConfig):
    name = "hemma.careplans"
    verbose_name = _("Dokumenterade överenskommelser")
