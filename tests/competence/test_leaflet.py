"""The printable leaflet for the patient and next of kin: plain Swedish per pathway, the
agreement's contacts with the ward's real number, through the access policy."""

import pytest
from django.urls import reverse

from hemma.audit.models import AccessLogEntry
from hemma.competence import selectors
from tests.conftest import client_for
from tests.flow import write_agreement

from .conftest import HOME_HEALTH_PHONE, WARD_PHONE

pytestmark = pytest.mark.django_db


def leaflet(client, episode):
    return client.get(reverse("competence:leaflet", args=[episode.pk]))


class TestContent:
    def test_early_discharge_with_the_opat_agreement(self, as_ward_nurse, at_home, ward_nurse):
        write_agreement(at_home, ward_nurse)
        response = leaflet(as_ward_nurse, at_home)
        body = response.content.decode()
        assert response.status_code == 200
        assert "Du får åka hem tidigare än vanligt." in body
        assert "Du är fortfarande inskriven på Infektionsavdelning." in body
        # the agreement's contacts, with the units' real numbers, tap-to-call
        assert 'href="tel:023490030"' in body and WARD_PHONE in body
        assert HOME_HEALTH_PHONE in body
        assert "000-000" not in body
        # what to do if worse, when to call 112, the tablet and the red message
        assert "Ring 112" in body and "svårt att andas" in body
        assert "Visar surfplattan ett rött meddelande? Ring avdelningen direkt." in body
        assert "Mät klockan 08, 14, 20." in body
        # the OPAT agreement names a pump and a PICC line
        assert 'id="pump"' in body and 'id="line"' in body
        assert "Hemsjukvården Test kommer hem till dig." in body

    def test_admission_avoidance_before_an_agreement(self, as_ward_nurse, make_episode):
        episode = make_episode(pathway="admission_avoidance")
        body = leaflet(as_ward_nurse, episode).content.decode()
        assert "Du får den hemma i stället för på sjukhuset." in body
        assert "Du får åka hem tidigare" not in body
        # the shipped template of the pathway, with the units' own numbers
        assert WARD_PHONE in body and HOME_HEALTH_PHONE in body and "000-000" not in body
        assert "svårt att andas" in body
        assert 'id="pump"' not in body and 'id="line"' not in body

    def test_stroke_esd_tells_the_signs_of_a_new_stroke(self, as_ward_nurse, make_episode):
        episode = make_episode(pathway="stroke_esd")
        body = leaflet(as_ward_nurse, episode).content.decode()
        assert "Du har haft en stroke." in body
        assert "sned mun" in body  # the stroke template's 112 instruction
        assert "Du behöver inte gå via akuten." not in body
        assert WARD_PHONE in body and "000-000" not in body

    def test_plan_b_lists_only_the_ward(self, as_ward_nurse, make_episode):
        episode = make_episode(visiting="none")
        data = selectors.leaflet(episode)
        assert [c["phone"] for c in data["contacts"]] == [WARD_PHONE]
        body = leaflet(as_ward_nurse, episode).content.decode()
        assert "Ingen kommer hem till dig regelbundet." in body
        assert HOME_HEALTH_PHONE not in body

    def test_a_revised_agreement_is_what_the_leaflet_says(self, as_ward_nurse, at_home, ward_nurse):
        from hemma.careplans import services as careplans

        agreement = write_agreement(at_home, ward_nurse)
        content = selectors.current_version(at_home).content()
        content["contacts"][0]["phone"] = "023-49 99 99"
        careplans.agreement_revise(
            staff=ward_nurse,
            unit=at_home.ward,
            agreement=agreement,
            base_number=1,
            content=content,
            change_note="Nytt nummer",
        )
        body = leaflet(as_ward_nurse, at_home).content.decode()
        assert "023-49 99 99" in body


class TestAccess:
    def test_reading_it_is_logged_as_a_patient_read(self, as_ward_nurse, at_home):
        leaflet(as_ward_nurse, at_home)
        entry = AccessLogEntry.objects.filter(patient=at_home.patient).latest("pk")
        assert entry.outcome == AccessLogEntry.Outcome.GRANTED
        assert "patient leaflet" in entry.detail

    def test_the_visiting_team_reads_it(self, as_home_nurse, at_home):
        assert leaflet(as_home_nurse, at_home).status_code == 200

    def test_another_ward_gets_a_404(self, client, other_ward_nurse, at_home):
        response = leaflet(client_for(client, other_ward_nurse), at_home)
        assert response.status_code == 404
        assert "Kim" not in response.content.decode()
        assert AccessLogEntry.objects.filter(
            outcome=AccessLogEntry.Outcome.DENIED, user=other_ward_nurse.user
        ).exists()

    def test_home_care_gets_a_404(self, client, home_care_staff, at_home):
        response = leaflet(client_for(client, home_care_staff), at_home)
        assert response.status_code == 404
        assert AccessLogEntry.objects.filter(
            outcome=AccessLogEntry.Outcome.DENIED, user=home_care_staff.user
        ).exists()

    def test_the_episode_page_links_to_it(self, as_ward_nurse, at_home):
        body = as_ward_nurse.get(reverse("episodes:detail", args=[at_home.pk])).content.decode()
        assert reverse("competence:leaflet", args=[at_home.pk]) in body
