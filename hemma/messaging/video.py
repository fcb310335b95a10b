"""The video link per ward: the region's own video service (HEMMA_VIDEO_URL_TEMPLATE) with
the ward's HSA-id put in. Hemma shows the link; it never calls the service."""

from urllib.parse import quote, urlsplit

from django.conf import settings

PLACEHOLDER = "{ward_hsa_id}"


def video_url(ward) -> str:
    """The ward's video room, or "" when no video service is configured (or the template
    does not make an http(s) address)."""
    template = getattr(settings, "HEMMA_VIDEO_URL_TEMPLATE", "") or ""
    if not template or ward is None or not getattr(ward, "hsa_id", ""):
        return ""
    url = template.replace(PLACEHOLDER, quote(ward.hsa_id, safe=""))
    if urlsplit(url).scheme not in ("https", "http"):
        return ""
    return url
