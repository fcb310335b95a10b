"""The episode's medication list in versions: only a physician of the episode's ward makes a
new one; every unit in the care team reads every version (a municipal unit only with the
patient's consent); the care request follows the current list."""

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.carerequests.models import CareRequest, Medication
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.medication import services
from hemma.medication.models import MedicationListVersion
from hemma.patients.models import CareRelationship, SharingConsent
from tests.conftest import client_for, make_staff, make_unit

from .conftest import IV, TABLETS

pytestmark = pytest.mark.django_db

NEW_LIST = "Cefotaxim | 2 g | iv | 08, 16, 24\nParacetamol | 1 g | po | vid behov"


@pytest.fixture
def other_ward_physician(region, lisa):
    other = make_unit(region, "Avdelning 31", "ward", "A31", beds=20)
    CareRelationship.objects.create(patient=lisa, unit=other)  # reads, holds nothing
    return make_staff("otherdoc", "physician", other)


def change_url(episode):
    return reverse("medication:change", args=[episode.pk])


def page_url(episode):
    return reverse("medication:episode", args=[episode.pk])


class TestVersions:
    def test_each_change_is_a_new_version_and_the_old_ones_stay(self, listed, physician, ward):
        second = services.medication_list_save(
            staff=physician,
            unit=ward,
            episode=listed.episode,
            items=[IV | {"dose": "2 g"}, TABLETS],
            reason="Högre dos efter odlingssvar",
            based_on=1,
        )
        assert second.number == 2
        versions = MedicationListVersion.objects.filter(episode=listed.episode)
        assert [v.number for v in versions] == [2, 1]
        assert [i.dose for i in listed.items.all()] == ["1 g", "1 g"]  # version 1 unchanged
        assert services.current_version(listed.episode).pk == second.pk
        first = listed.items.get(drug="Cefotaxim")
        assert first.times == "08:00, 16:00, 24:00" and first.is_antibiotic

    def test_a_change_against_an_old_version_is_a_conflict(self, listed, physician, ward):
        with pytest.raises(Conflict):
            services.medication_list_save(
                staff=physician,
                unit=ward,
                episode=listed.episode,
                items=[IV],
                reason="x",
                based_on=0,
            )
        assert MedicationListVersion.objects.count() == 1

    @pytest.mark.parametrize(
        ("row", "message"),
        [
            ({"times": "08, 25"}, "finns inte på dygnet"),
            ({"dose": ""}, "Ange dos"),
            ({"route": "rectal"}, "Okänt administrationssätt"),
            ({"self_administered": True, "route": "po"}, "intravenös pump"),
        ],
    )
    def test_a_bad_item_saves_nothing(self, at_home, physician, ward, row, message):
        with pytest.raises(HemmaError, match=message):
            services.medication_list_save(
                staff=physician, unit=ward, episode=at_home, items=[IV | row], reason="x"
            )
        assert not MedicationListVersion.objects.exists()

    def test_it_needs_a_reason_and_an_item(self, at_home, physician, ward):
        with pytest.raises(HemmaError):
            services.medication_list_save(
                staff=physician, unit=ward, episode=at_home, items=[IV], reason=" "
            )
        with pytest.raises(HemmaError):
            services.medication_list_save(
                staff=physician, unit=ward, episode=at_home, items=[], reason="x"
            )


class TestWhoMayChange:
    def test_the_wards_physician_saves_a_new_version_in_the_browser(
        self, client, at_home, physician
    ):
        as_physician = client_for(client, physician)
        form = as_physician.get(change_url(at_home))
        assert form.status_code == 200 and form.context["form"] is not None
        response = as_physician.post(
            change_url(at_home), {"items": NEW_LIST, "reason": "Start", "based_on": 0}
        )
        assert response.status_code == 302
        version = MedicationListVersion.objects.get(episode=at_home)
        assert [i.drug for i in version.items.all()] == ["Cefotaxim", "Paracetamol"]
        assert AccessLogEntry.objects.filter(
            detail__contains="medication list version 1", outcome="granted"
        ).exists()

    def test_a_form_error_is_shown_not_a_500(self, client, at_home, physician):
        response = client_for(client, physician).post(
            change_url(at_home), {"items": "Cefotaxim | 1 g | rectal | 08", "reason": "x"}
        )
        assert response.status_code == 200 and "okänt administrationssätt" in (
            response.content.decode()
        )
        assert not MedicationListVersion.objects.exists()

    @pytest.mark.parametrize("who", ["ward_nurse", "home_nurse", "other_ward_physician"])
    def test_nobody_else_may_change_the_list(self, request, client, at_home, listed, who):
        staff = request.getfixturevalue(who)
        as_other = client_for(client, staff)
        page = as_other.get(change_url(at_home))
        assert page.status_code == 200 and page.context["form"] is None
        response = as_other.post(change_url(at_home), {"items": NEW_LIST, "reason": "x"})
        assert response.status_code == 403
        assert MedicationListVersion.objects.filter(episode=at_home).count() == 1
        assert AccessLogEntry.objects.filter(
            outcome="denied", detail__contains="change_medication refused"
        ).exists()
        unit = staff.memberships.first().unit
        with pytest.raises(NotAllowed):
            services.medication_list_save(
                staff=staff, unit=unit, episode=at_home, items=[IV], reason="x"
            )

    def test_course_end_and_switch_are_the_physicians_too(self, client, listed, home_nurse):
        item = listed.items.get(drug="Cefotaxim")
        response = client_for(client, home_nurse).post(
            reverse("medication:item_act", args=[item.pk, "end"]),
            {"ends_on": timezone.localdate().isoformat(), "reason": "x"},
        )
        assert response.status_code == 403
        assert MedicationListVersion.objects.count() == 1

    def test_a_bad_course_end_names_the_fields_by_their_labels(self, client, listed, physician):
        """Issue 19: the page draws the form again with the fields marked under their
        Swedish labels, never their internal names."""
        item = listed.items.get(drug="Cefotaxim")
        response = client_for(client, physician).post(
            reverse("medication:item_act", args=[item.pk, "end"]),
            {"ends_on": "inte ett datum", "reason": ""},
            follow=True,
        )
        body = response.content.decode()
        assert "Inget sparades: rätta de markerade fälten." in body
        assert (
            f'id="end{item.pk}_ends_on_error"' in body and f'id="end{item.pk}_reason_error"' in body
        )
        assert "Sista dagen" in body and "Orsak" in body
        assert ">Sista dagen <" in body and ">ends_on" not in body and "ends_on:" not in body
        assert MedicationListVersion.objects.count() == 1


class TestWhoSees:
    @pytest.mark.parametrize(
        "who", ["physician", "ward_nurse", "home_nurse", "other_ward_physician"]
    )
    def test_every_unit_in_the_care_team_sees_every_version(
        self, request, client, listed, physician, ward, who
    ):
        services.medication_list_save(
            staff=physician,
            unit=ward,
            episode=listed.episode,
            items=[IV | {"dose": "2 g"}],
            reason="Högre dos",
        )
        page = client_for(client, request.getfixturevalue(who)).get(page_url(listed.episode))
        body = page.content.decode()
        assert page.status_code == 200
        assert [v.number for v in [page.context["current"], *page.context["older"]]] == [2, 1]
        assert "Högre dos" in body and "Utskrivning till hemmet" in body

    def test_after_consent_is_revoked_the_municipality_sees_nothing(
        self, client, listed, home_nurse
    ):
        SharingConsent.objects.filter(patient=listed.episode.patient).update(
            revoked_at=timezone.now()
        )
        response = client_for(client, home_nurse).get(page_url(listed.episode))
        assert response.status_code == 404 and "Cefotaxim" not in response.content.decode()
        assert AccessLogEntry.objects.filter(outcome="denied").exists()

    def test_home_care_and_outsiders_see_nothing(self, client, listed, needs_assessor, outsider):
        for staff in (needs_assessor, outsider):
            response = client_for(client, staff).get(page_url(listed.episode))
            assert response.status_code == 404


class TestTheCareRequestFollowsTheList:
    def test_a_change_reaches_home_healths_view_of_the_request(
        self, client, listed, physician, ward, ward_nurse, home_health, home_nurse
    ):
        request = CareRequest.objects.create(
            episode=listed.episode,
            kind="home_health",
            from_unit=ward,
            to_unit=home_health,
            reason="OPAT",
            start_at=timezone.now(),
            interventions="IV-antibiotika",
            sent_by=ward_nurse,
            status="accepted",
        )
        Medication.objects.create(
            care_request=request, drug="Bensylpenicillin", dose="3 g", route="iv", times="08"
        )
        services.medication_list_save(
            staff=physician,
            unit=ward,
            episode=listed.episode,
            items=[IV | {"dose": "2 g"}],
            reason="Högre dos efter odlingssvar",
        )
        body = (
            client_for(client, home_nurse)
            .get(reverse("carerequests:detail", args=[request.pk]))
            .content.decode()
        )
        assert "Aktuell läkemedelslista" in body and "Version 2" in body
        assert "2 g" in body and "Högre dos efter odlingssvar" in body
        # The list sent with the request stays readable, marked as such.
        assert "Läkemedelslista när vårdbegäran skickades" in body and "Bensylpenicillin" in body

    def test_the_page_reads_the_list_in_a_fixed_number_of_queries(
        self, client, listed, physician, ward, django_assert_max_num_queries
    ):
        for n in range(3):
            services.medication_list_save(
                staff=physician,
                unit=ward,
                episode=listed.episode,
                items=[IV | {"dose": f"{n + 2} g"}, TABLETS],
                reason=f"Ändring {n}",
            )
        as_physician = client_for(client, physician)
        as_physician.get(page_url(listed.episode))
        with django_assert_max_num_queries(30) as captured:
            as_physician.get(page_url(listed.episode))
        few = len(captured)
        for n in range(3):
            services.medication_list_save(
                staff=physician,
                unit=ward,
                episode=listed.episode,
                items=[IV | {"dose": f"{n + 9} g"}],
                reason=f"Mer {n}",
            )
        with django_assert_max_num_queries(few):
            as_physician.get(page_url(listed.episode))


def test_a_closed_episode_takes_no_new_list(listed, physician, ward):
    listed.episode.state = "discharged"
    listed.episode.save()
    with pytest.raises(NotAllowed):
        services.medication_list_save(
            staff=physician, unit=ward, episode=listed.episode, items=[IV], reason="x"
        )


def test_the_episode_page_links_to_the_list_and_shows_todays_doses(client, listed, physician):
    from django.template import Context, Template

    page = client_for(client, physician).get(reverse("episodes:detail", args=[listed.episode.pk]))
    assert page_url(listed.episode) in page.content.decode()
    summary = Template("{% load medication_tags %}{% todays_doses episode %}").render(
        Context({"episode": listed.episode})
    )
    assert "Dagens doser" in summary and "Cefotaxim 1 g" in summary
