from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EpisodesConfig(AppConfig):
    name = "hemma.episodes"
    verbose_name = _("Vårdtillfällen i hemmet")
