"""Responses that may carry patient data tell browsers and proxies not to store them
(`Cache-Control: no-store, private`); static files keep their caching."""

import pytest
from django.urls import reverse

from hemma.monitoring import services as monitoring
from tests.flow import to_agreed
from tests.monitoring.conftest import at_home  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def assert_not_stored(response):
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, response.get("Cache-Control")


def test_the_patient_page(as_ward_nurse, kim):
    response = as_ward_nurse.get(reverse("patients:detail", args=[kim.pk]))
    assert response.status_code == 200
    assert_not_stored(response)


def test_the_patient_list_and_a_redirect(as_ward_nurse, kim):
    assert_not_stored(as_ward_nurse.get(reverse("patients:list"), {"q": "Kim"}))
    assert_not_stored(as_ward_nurse.get(reverse("home")))


def test_the_print_view_of_an_agreement(client, kim, ward, ward_nurse, physician):
    episode = to_agreed(patient=kim, ward=ward, nurse=ward_nurse, physician=physician)
    client.force_login(ward_nurse.user)
    response = client.get(reverse("careplans:print", args=[episode.pk]))
    assert response.status_code == 200
    assert_not_stored(response)


@pytest.mark.parametrize("export", ["insights:dashboard_csv", "insights:dashboard_xlsx"])
def test_the_dashboard_exports(as_ward_nurse, export):
    response = as_ward_nurse.get(reverse(export, args=["care_at_home"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert_not_stored(response)


def test_the_log_extract(as_reviewer, lisa):
    response = as_reviewer.post(reverse("audit:extract"), {"personal_number": "19380508-9145"})
    assert response.status_code == 200 and response.context["extract"].patient == lisa
    assert_not_stored(response)


def test_the_patients_tablet_pages_without_a_staff_login(client, at_home, ward_nurse):  # noqa: F811
    assert_not_stored(client.get(reverse("monitoring:patient_start")))
    code = monitoring.enrolment_issue(staff=ward_nurse, unit=at_home.ward, episode=at_home)
    assert_not_stored(client.post(reverse("monitoring:patient_start"), {"code": code}))
    response = client.get(reverse("monitoring:patient_home"))
    assert response.status_code == 200 and "Hej Kim" in response.content.decode()
    assert_not_stored(response)


@pytest.mark.parametrize("name", ["monitoring:fhir_bundle", "monitoring:fhir_observation"])
def test_the_fhir_api_without_a_staff_login(client, name):
    response = client.post(reverse(name), "{}", content_type="application/fhir+json")
    assert response.status_code in {400, 401, 403}
    assert_not_stored(response)


def test_an_anonymous_page_without_patient_data_is_left_alone(client):
    assert "no-store" not in client.get("/robots.txt").get("Cache-Control", "")


def test_static_files_keep_their_caching(client, ward_nurse, settings):
    # WhiteNoise answers static files before the no-store middleware runs.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    client.force_login(ward_nurse.user)
    response = client.get(f"{settings.STATIC_URL}hemma/hemma.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
