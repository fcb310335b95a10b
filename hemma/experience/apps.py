from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExperienceConfig(AppConfig):
    name = "hemma.experience"
    verbose_name = _("Patientens upplevelse")
