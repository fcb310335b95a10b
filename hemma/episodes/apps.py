from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EpisodesConfig(AppConfig):
    name = "hemma.episodes"
    verbose_name = _("Vårdtillfällen i hemmet")

    def ready(self):
        from hemma.accounts.hooks import register_ward_created

        from .services import ward_safety_beds

        register_ward_created(ward_safety_beds)
