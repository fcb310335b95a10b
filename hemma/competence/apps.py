from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetenceConfig(AppConfig):
    name = "hemma.competence"
    verbose_name = _("Information och kompetens")
