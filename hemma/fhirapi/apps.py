from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FhirApiConfig(AppConfig):
    name = "hemma.fhirapi"
    label = "fhirapi"
    verbose_name = _("FHIR-gränssnitt för integrationer")
