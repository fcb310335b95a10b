"""Registering and editing patients, next of kin, care team and search."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hemma.audit.models import AccessLogEntry
from hemma.patients.models import CareRelationship, NextOfKin, Patient

REGISTER = reverse("patients:register")
LIST = reverse("patients:list")

VALID = {
    "personal_number": "194004019180",
    "first_name": "Greta",
    "last_name": "Testsson",
    "street_address": "Bergslagsgatan 7",
    "postal_code": "79174",
    "city": "Falun",
    "latitude": "60.611",
    "longitude": "15.6403",
    "phone": "070-174 06 13",
    "preferred_language": "svenska",
}


def detail(patient):
    return reverse("patients:detail", kwargs={"patient_id": patient.pk})


@pytest.mark.django_db
class TestRegistration:
    def test_it_registers_a_patient_with_derived_identity_and_a_care_relationship(
        self, as_ward_nurse, ward, ward_nurse
    ):
        response = as_ward_nurse.post(REGISTER, VALID)
        patient = Patient.objects.get()
        assert response.status_code == 302
        assert response["Location"] == detail(patient)
        assert patient.personal_number == "194004019180"
        assert str(patient.birth_date) == "1940-04-01"
        assert patient.sex == "female"
        assert patient.postal_code == "791 74"
        assert patient.phone == "0701740613"
        relationship = CareRelationship.objects.get(patient=patient)
        assert (relationship.unit, relationship.started_by) == (ward, ward_nurse.user)
        assert AccessLogEntry.objects.get(patient=patient).action == "register_patient"

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("personal_number", "19400401-9181", "Kontrollsiffran stämmer inte"),
            ("personal_number", "19401301-9180", "Datumdelen är inget giltigt datum"),
            ("personal_number", "hej", "Ogiltigt format"),
            ("personal_number", "18000101-0008", "mer än 130 år bakåt"),
            ("personal_number", "", "Detta fält måste fyllas i"),
            ("phone", "070-ABC", "Ogiltigt telefonnummer"),
            ("latitude", "48.85", "Latituden ligger utanför Sverige"),
            ("longitude", "2.35", "Longituden ligger utanför Sverige"),
            ("latitude", "inte-en-siffra", "Fyll i ett tal"),
            ("latitude", "", "Ange både latitud och longitud"),
            ("postal_code", "1234", "Postnummer är fem siffror"),
            ("first_name", "", "Detta fält måste fyllas i"),
        ],
    )
    def test_bad_input_is_a_form_error_and_nothing_is_saved(
        self, as_ward_nurse, field, value, message
    ):
        response = as_ward_nurse.post(REGISTER, {**VALID, field: value})
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Patient.objects.exists()
        assert not CareRelationship.objects.exists()
        assert not AccessLogEntry.objects.filter(action="register_patient").exists()

    def test_a_duplicate_personal_number_opens_the_patient_for_the_care_team(
        self, as_ward_nurse, kim
    ):
        # Answered like a search for the number (tests/patients/test_register_existing.py).
        response = as_ward_nurse.post(REGISTER, {**VALID, "personal_number": "440514-9057"})
        assert response.status_code == 302
        assert response["Location"] == detail(kim)
        assert Patient.objects.count() == 1

    def test_a_user_without_a_unit_cannot_register(self, client, kim):
        from django.contrib.auth import get_user_model

        client.force_login(get_user_model().objects.create_user("nobody", password="x-nobody-pw"))
        assert client.post(REGISTER, VALID).status_code == 403
        assert Patient.objects.count() == 1


@pytest.mark.django_db
class TestEditing:
    def test_it_updates_contact_details_and_logs_it(self, as_ward_nurse, kim):
        url = reverse("patients:edit", kwargs={"patient_id": kim.pk})
        assert as_ward_nurse.get(url).status_code == 200
        data = {**VALID, "first_name": "Kim", "city": "Borlänge"}
        data.pop("personal_number")
        response = as_ward_nurse.post(url, data)
        assert response.status_code == 302
        kim.refresh_from_db()
        assert kim.city == "Borlänge"
        assert kim.personal_number == "194405149057"  # identity is not editable
        assert AccessLogEntry.objects.filter(patient=kim, detail="details").count() == 1

    def test_bad_input_keeps_the_old_values(self, as_ward_nurse, kim):
        url = reverse("patients:edit", kwargs={"patient_id": kim.pk})
        response = as_ward_nurse.post(url, {"first_name": "X", "last_name": "Y", "phone": "abc"})
        assert response.status_code == 200
        kim.refresh_from_db()
        assert kim.first_name == "Kim"

    def test_an_outsider_cannot_edit(self, as_outsider, kim):
        url = reverse("patients:edit", kwargs={"patient_id": kim.pk})
        assert as_outsider.post(url, {"first_name": "X", "last_name": "Y"}).status_code == 404
        kim.refresh_from_db()
        assert kim.first_name == "Kim"


@pytest.mark.django_db
class TestNextOfKin:
    def test_it_adds_next_of_kin(self, as_ward_nurse, kim):
        url = reverse("patients:next_of_kin_add", kwargs={"patient_id": kim.pk})
        response = as_ward_nurse.post(
            url, {"name": "Sam", "relation": "son", "phone": "070-174 06 20"}
        )
        assert response.status_code == 302
        assert kim.next_of_kin.filter(name="Sam", phone="0701740620").exists()

    def test_a_bad_phone_is_a_form_error(self, as_ward_nurse, kim):
        url = reverse("patients:next_of_kin_add", kwargs={"patient_id": kim.pk})
        response = as_ward_nurse.post(url, {"name": "Sam", "relation": "son", "phone": "x"})
        assert "Ogiltigt telefonnummer" in response.content.decode()
        assert kim.next_of_kin.count() == 1

    def test_removal_asks_for_confirmation_first(self, as_ward_nurse, kim):
        kin = kim.next_of_kin.get()
        url = reverse(
            "patients:next_of_kin_remove", kwargs={"patient_id": kim.pk, "kin_id": kin.pk}
        )
        page = as_ward_nurse.get(url)
        assert page.status_code == 200
        assert "Ta bort närstående?" in page.content.decode()
        assert NextOfKin.objects.filter(pk=kin.pk).exists()
        assert as_ward_nurse.post(url).status_code == 302
        assert not NextOfKin.objects.filter(pk=kin.pk).exists()

    def test_removing_twice_says_it_is_gone(self, as_ward_nurse, kim):
        kin = kim.next_of_kin.get()
        url = reverse(
            "patients:next_of_kin_remove", kwargs={"patient_id": kim.pk, "kin_id": kin.pk}
        )
        as_ward_nurse.post(url)
        response = as_ward_nurse.post(url, follow=True)
        assert "finns inte (längre)" in response.content.decode()


@pytest.mark.django_db
class TestCareTeam:
    @staticmethod
    def _open_episode(patient, ward, nurse):
        """The ward manages the care team while it owns an open episode (policy.py)."""
        from hemma.episodes.models import Episode

        return Episode.objects.create(patient=patient, ward=ward, created_by=nurse)

    def test_the_ward_adds_home_health_care_which_then_sees_the_patient(
        self, as_ward_nurse, client, home_nurse, home_health, kim, ward, ward_nurse
    ):
        self._open_episode(kim, ward, ward_nurse)
        url = reverse("patients:care_team_add", kwargs={"patient_id": kim.pk})
        assert as_ward_nurse.post(url, {"unit": home_health.pk}).status_code == 302
        assert CareRelationship.objects.filter(patient=kim, unit=home_health).exists()
        from django.test import Client

        client = Client()
        client.force_login(home_nurse.user)
        # The municipality reads the region's record only with the patient's consent.
        assert client.get(detail(kim)).status_code == 404
        consent = reverse("patients:sharing_consent", args=[kim.pk, "give"])
        assert as_ward_nurse.post(consent).status_code == 302
        assert client.get(detail(kim)).status_code == 200
        assert "Testsson, Kim" in client.get(reverse("patients:list")).content.decode()
        # Revoking takes effect at once, for the page and the list.
        revoke = reverse("patients:sharing_consent", args=[kim.pk, "revoke"])
        as_ward_nurse.post(revoke)
        assert client.get(detail(kim)).status_code == 404
        assert "Testsson, Kim" not in client.get(reverse("patients:list")).content.decode()
        assert AccessLogEntry.objects.filter(detail="sharing consent revoked").exists()

    def test_adding_a_unit_twice_is_refused(self, as_ward_nurse, ward, ward_nurse, kim):
        self._open_episode(kim, ward, ward_nurse)
        url = reverse("patients:care_team_add", kwargs={"patient_id": kim.pk})
        response = as_ward_nurse.post(url, {"unit": ward.pk}, follow=True)
        assert "redan en vårdrelation" in response.content.decode()
        assert CareRelationship.objects.filter(patient=kim, unit=ward).count() == 1

    def test_ending_a_relationship_needs_confirmation_and_removes_access(
        self, as_ward_nurse, ward, kim
    ):
        relationship = CareRelationship.objects.get(patient=kim, unit=ward)
        url = reverse(
            "patients:care_team_end",
            kwargs={"patient_id": kim.pk, "relationship_id": relationship.pk},
        )
        assert "Avsluta vårdrelation?" in as_ward_nurse.get(url).content.decode()
        assert as_ward_nurse.post(url).status_code == 302
        relationship.refresh_from_db()
        assert relationship.ended_at is not None
        assert as_ward_nurse.get(detail(kim)).status_code == 404

    def test_a_unit_on_emergency_access_cannot_change_the_care_team(
        self, as_home_nurse, home_health, kim
    ):
        as_home_nurse.post(
            reverse("patients:emergency_access"),
            {"personal_number": "194405149057", "reason": "Akut försämring i hemmet"},
        )
        url = reverse("patients:care_team_add", kwargs={"patient_id": kim.pk})
        response = as_home_nurse.post(url, {"unit": home_health.pk})
        assert response.status_code == 403
        assert not CareRelationship.objects.filter(patient=kim, unit=home_health).exists()
        assert AccessLogEntry.objects.filter(
            outcome="denied", detail__startswith="care_relationship_start"
        ).exists()


@pytest.mark.django_db
class TestSearch:
    def test_the_list_shows_only_patients_of_my_units(self, as_ward_nurse, kim, lisa, omar):
        page = as_ward_nurse.get(LIST).content.decode()
        assert "Kim" in page and "Lisa" in page
        assert "19350404-9135" not in page

    @pytest.mark.parametrize(
        "query", ["Kim", "kim testsson", "19440514-9057", "194405149057", "440514"]
    )
    def test_search_by_name_or_number_is_logged_with_its_term(
        self, as_ward_nurse, kim, lisa, query
    ):
        page = as_ward_nurse.get(LIST, {"q": query}).content.decode()
        assert "19440514-9057" in page
        assert "19380508-9145" not in page
        entry = AccessLogEntry.objects.get(action="search")
        assert entry.detail == query

    def test_a_full_number_outside_my_care_offers_emergency_access(self, as_ward_nurse, omar):
        page = as_ward_nurse.get(LIST, {"q": "19350404-9135"}).content.decode()
        assert "Begär nödåtkomst" in page
        assert "Omar" not in page

    def test_an_htmx_search_returns_only_the_rows(self, as_ward_nurse, kim):
        response = as_ward_nurse.get(LIST, {"q": "Kim"}, headers={"HX-Request": "true"})
        body = response.content.decode()
        assert "<table>" in body and "<html" not in body

    def test_an_empty_list_says_so(self, as_ward_nurse):
        assert "inga patienter med vårdrelation" in as_ward_nurse.get(LIST).content.decode()

    def test_the_list_query_count_does_not_grow_with_patients(self, as_ward_nurse, ward, settings):
        from tests.conftest import make_patient

        # Every display writes its log rows (no repeat window): one insert, not one per row.
        settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0

        def count_queries():
            with CaptureQueriesContext(connection) as queries:
                assert as_ward_nurse.get(LIST).status_code == 200
            return len(queries)

        make_patient("19440514-9057", "Kim", ward)
        count_queries()  # warm the per-process caches (demo banner)
        few = count_queries()
        for number in ("19380508-9145", "19350404-9135", "19400401-9180", "19370314-9132"):
            make_patient(number, "Fler", ward)
        assert count_queries() == few
        assert few <= 10


@pytest.mark.django_db
def test_the_patient_page_query_count_is_bounded(as_ward_nurse, kim):
    with CaptureQueriesContext(connection) as queries:
        assert as_ward_nurse.get(detail(kim)).status_code == 200
    # 21: the page also shows the sharing consent (1), the latest frailty screening (1),
    # the ED visits and admissions behind the frequent-attender flag (3) and whether the
    # patient is cared for at home now (1, issue 18; 3 more when at home) and the consent to
    # the ambulance being informed (1, issue 18).
    assert len(queries) <= 21, [q["sql"] for q in queries]
