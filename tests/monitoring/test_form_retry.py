"""Issue 19 on the monitoring page: a staff reading (or a threshold) that is not saved
comes back on the episode's page with its errors at the fields and the typed values
kept – once, and only on the same episode's page; hostile input is a field error."""

import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.episodes.models import Episode
from hemma.monitoring.models import ObservationSet, PersonalThreshold
from hemma.web.form_retry import SESSION_KEY
from tests.form_pages import field_block, flashed, form_at, page_text

pytestmark = pytest.mark.django_db


def reading(**changes):
    data = {
        "respiration_rate": "18",
        "spo2": "96",
        "on_oxygen": "no",
        "systolic_bp": "125",
        "pulse": "80",
        "consciousness": "A",
        "temperature": "37,2",
        "note": "Trött men pigg",
        "client_id": str(uuid.uuid4()),
    }
    data.update(changes)
    return data


def post_reading(client, episode, data):
    url = reverse("monitoring:act", args=[episode.pk, "record"])
    return client.post(url, data)


def page(client, episode) -> str:
    return page_text(client, reverse("monitoring:episode", args=[episode.pk]))


@pytest.mark.parametrize(
    ("pulse", "error"), [("abc", "Fyll i ett heltal."), ("400", "mindre än eller lika med 300")]
)
def test_a_bad_pulse_shows_under_puls_and_keeps_what_was_typed(
    at_home, as_home_nurse, pulse, error
):
    response = post_reading(as_home_nurse, at_home, reading(pulse=pulse))
    assert response.status_code == 302
    assert response.url == reverse("monitoring:episode", args=[at_home.pk])
    assert not ObservationSet.objects.exists()
    shown = flashed(response)
    assert shown == ["Inget sparades: rätta de markerade fälten."]

    body = page(as_home_nurse, at_home)
    pulse_field = field_block(body, "pulse")
    assert "Puls" in pulse_field and error in pulse_field
    assert 'aria-invalid="true"' in pulse_field
    assert re.search(r'aria-describedby="id_pulse_error"', pulse_field)
    assert 'id="id_pulse_error"' in pulse_field
    assert f'value="{pulse}"' in pulse_field
    # The other typed values are kept.
    assert 'value="125"' in field_block(body, "systolic_bp")
    assert 'value="37,2"' in field_block(body, "temperature")
    assert "Trött men pigg" in field_block(body, "note")
    assert "errorlist" not in field_block(body, "spo2")


def test_the_form_comes_back_once(at_home, as_home_nurse):
    post_reading(as_home_nurse, at_home, reading(pulse="abc"))
    assert "Fyll i ett heltal." in page(as_home_nurse, at_home)
    again = page(as_home_nurse, at_home)
    assert "Fyll i ett heltal." not in again
    assert 'value="125"' not in field_block(again, "systolic_bp")


def test_the_form_comes_back_only_on_the_same_episodes_page(
    at_home, as_home_nurse, lisa, ward, home_health, ward_nurse
):
    other = Episode.objects.create(
        patient=lisa,
        ward=ward,
        home_health_unit=home_health,
        created_by=ward_nurse,
        state="at_home",
        tier="kim",
        at_home_since=timezone.now(),
    )
    post_reading(as_home_nurse, at_home, reading(pulse="abc"))
    other_page = page(as_home_nurse, other)
    assert "Fyll i ett heltal." not in other_page
    assert 'value="125"' not in field_block(other_page, "systolic_bp")
    # Kept no longer than the page after the POST: the typed values do not linger.
    assert SESSION_KEY not in as_home_nurse.session
    assert "Fyll i ett heltal." not in page(as_home_nurse, at_home)


def test_the_kept_form_is_dropped_once_the_next_page_is_drawn(at_home, as_home_nurse):
    post_reading(as_home_nurse, at_home, reading(pulse="abc"))
    assert SESSION_KEY in as_home_nurse.session
    # A page that does not draw the form (the start page) still ends its life.
    assert as_home_nurse.get(reverse("home")).status_code == 200
    assert SESSION_KEY not in as_home_nurse.session


def test_an_htmx_fragment_between_the_post_and_the_page_keeps_it(at_home, as_home_nurse):
    post_reading(as_home_nurse, at_home, reading(pulse="abc"))
    fragment = as_home_nurse.get(reverse("home"), headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert SESSION_KEY in as_home_nurse.session
    assert "Fyll i ett heltal." in page(as_home_nurse, at_home)


def test_an_old_kept_form_is_dropped_on_any_request(at_home, as_home_nurse):
    post_reading(as_home_nurse, at_home, reading(pulse="abc"))
    session = as_home_nurse.session
    entry = session[SESSION_KEY]
    entry["at"] -= 10 * 60
    session[SESSION_KEY] = entry
    session.save()
    as_home_nurse.get(reverse("home"), headers={"HX-Request": "true"})
    assert SESSION_KEY not in as_home_nurse.session


def test_a_service_refusal_is_the_forms_own_error_with_the_values_kept(at_home, as_physician):
    url = reverse("monitoring:act", args=[at_home.pk, "threshold"])
    data = {"parameter": "pulse", "low": "120", "high": "60", "reason": "Förmaksflimmer"}
    response = as_physician.post(url, data)
    assert response.status_code == 302
    assert not PersonalThreshold.objects.exists()
    form = form_at(page(as_physician, at_home), url)
    assert "Lägsta gränsen ska vara lägre än den högsta." in form
    assert 'value="120"' in form and 'value="Förmaksflimmer"' in form


def test_an_invalid_plan_shows_its_error_at_the_field(at_home, as_physician):
    url = reverse("monitoring:act", args=[at_home.pk, "plan"])
    as_physician.post(url, {"interval_hours": "0"})
    form = form_at(page(as_physician, at_home), url)
    assert "större än eller lika med 1" in form and 'aria-invalid="true"' in form


@pytest.mark.parametrize(
    "data",
    [
        reading(pulse=["1", "2", "x"], spo2="9" * 5000),
        reading(pulse="\x00", temperature="1e999999", consciousness="Z" * 300),
        reading(note="x" * 30_000, on_oxygen="maybe"),
        {"pulse[0][a][b]": "1", "client_id": ""},
    ],
)
def test_hostile_input_is_a_field_error_never_a_500_and_keeps_little(at_home, as_home_nurse, data):
    response = post_reading(as_home_nurse, at_home, data)
    assert response.status_code == 302
    assert not ObservationSet.objects.exists()
    session = as_home_nurse.session
    kept = session.get(SESSION_KEY)
    if kept is not None:
        assert len(str(kept)) < 25_000
        assert "pulse[0][a][b]" not in kept["data"]
    assert page(as_home_nurse, at_home)  # 200, no 500


def test_undecodable_bytes_are_a_field_error_never_a_500(at_home, as_home_nurse):
    url = reverse("monitoring:act", args=[at_home.pk, "record"])
    body = "pulse=%ED%A0%80&spo2=%FF%FE&client_id=" + str(uuid.uuid4())
    response = as_home_nurse.post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    assert not ObservationSet.objects.exists()
    shown = as_home_nurse.get(reverse("monitoring:episode", args=[at_home.pk]))
    assert shown.status_code == 200
    assert "Fyll i ett heltal." in field_block(shown.content.decode(), "pulse")
