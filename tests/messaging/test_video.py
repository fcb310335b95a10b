"""The ward's video link (HEMMA_VIDEO_URL_TEMPLATE): "Öppna videomöte" on the round, the
tablet and the thread when configured, with the ward's HSA-id URL-escaped; nothing when
not. Hemma never calls the video service."""

import pytest
from django.urls import reverse

from hemma.messaging.video import video_url
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

TEMPLATE = "https://video.region.example/room/{ward_hsa_id}"


@pytest.fixture
def odd_ward(at_home):
    """A ward whose HSA-id needs escaping in a URL (the catalogue's are plain)."""
    ward = at_home.ward
    ward.hsa_id = "SE2321000180-INF 1/&?"
    ward.save(update_fields=["hsa_id"])
    return ward


ESCAPED = "https://video.region.example/room/SE2321000180-INF%201%2F%26%3F"


def pages(tablet, staff_client, episode):
    return {
        "round": staff_client.get(reverse("monitoring:round")).content.decode(),
        "thread": staff_client.get(reverse("messaging:thread", args=[episode.pk])).content.decode(),
        "tablet home": tablet.get(reverse("monitoring:patient_home")).content.decode(),
        "tablet thread": tablet.get(reverse("messaging:patient_thread")).content.decode(),
    }


def test_the_link_is_on_every_page_when_configured(
    settings, tablet, at_home, odd_ward, client, ward_nurse
):
    settings.HEMMA_VIDEO_URL_TEMPLATE = TEMPLATE
    for name, body in pages(tablet, client_for(client, ward_nurse), at_home).items():
        assert "Öppna videomöte" in body, name
        assert f'href="{ESCAPED}"' in body, name


def test_no_link_without_a_video_service(settings, tablet, at_home, client, ward_nurse):
    settings.HEMMA_VIDEO_URL_TEMPLATE = ""
    for name, body in pages(tablet, client_for(client, ward_nurse), at_home).items():
        assert "Öppna videomöte" not in body, name


def test_the_plain_hsa_id_is_put_in(settings, ward):
    settings.HEMMA_VIDEO_URL_TEMPLATE = TEMPLATE
    assert video_url(ward) == "https://video.region.example/room/SE2321000180-INF"


def test_only_a_web_address_is_a_link(settings, ward):
    settings.HEMMA_VIDEO_URL_TEMPLATE = "javascript:alert('{ward_hsa_id}')"
    assert video_url(ward) == ""
    settings.HEMMA_VIDEO_URL_TEMPLATE = TEMPLATE
    assert video_url(None) == ""
