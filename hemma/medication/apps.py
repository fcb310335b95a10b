from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedicationConfig(AppConfig):
    name = "hemma.medication"
    verbose_name = _("Läkemedel i hemmet")
