"""Responses that may carry patient data are never stored by a browser or a proxy.

Every response to a signed-in user, and every response of the patient's own tablet pages
and the FHIR device API (device token, no staff account), gets
`Cache-Control: no-store, private` (plus Django's never-cache set: max-age=0, no-cache,
must-revalidate, Expires now). A shared computer's browser cache, its back button after
logout, or a caching proxy then keep no copy of a patient page, a printed agreement, an
export or a log extract.

Static files are untouched: WhiteNoise (earlier in MIDDLEWARE) answers them before this
middleware is reached, and a request under STATIC_URL is skipped in any case.
"""

from functools import cached_property

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.cache import add_never_cache_headers

from . import form_retry


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self._is_static(request.path):
            return response
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or self._is_patient_device_path(
            request.path
        ):
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response

    @staticmethod
    def _is_static(path: str) -> bool:
        # settings.STATIC_URL already carries the script prefix ("/static/").
        return bool(settings.STATIC_URL) and path.startswith(settings.STATIC_URL)

    @cached_property
    def _device_paths(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(exact paths, path prefixes) of the patient tablet pages and the FHIR API."""
        try:
            fhir = reverse("monitoring:fhir_bundle").rstrip("/")  # "/fhir"
            patient = reverse("monitoring:patient_home")  # "/patient/"
        except NoReverseMatch:  # pragma: no cover - the monitoring URLs are always installed
            return (), ()
        return (fhir,), (f"{fhir}/", patient)

    def _is_patient_device_path(self, path: str) -> bool:
        exact, prefixes = self._device_paths
        return path in exact or path.startswith(prefixes)


class FormRetryMiddleware:
    """A form kept for the page after a failed POST (web/form_retry.py) lives no longer than
    that page: dropped after it, or after `MAX_AGE_SECONDS` on any request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        form_retry.forget_after_redirect(request)
        return response
