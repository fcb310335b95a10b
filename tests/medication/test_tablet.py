"""The patient's tablet records a dose of a pump the patient runs – only that, only for
the episode the tablet is bound to, and once."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.medication import services
from hemma.medication.models import DoseAdministration
from hemma.monitoring import services as monitoring

from .conftest import IV, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def pump(at_home, physician, ward, today):
    """Lisa runs her own pump for cefotaxim; the nurse gives the gentamicin."""
    return services.medication_list_save(
        staff=physician,
        unit=ward,
        episode=at_home,
        items=[
            IV | {"starts_on": today, "self_administered": True},
            {"drug": "Gentamicin", "dose": "400 mg", "route": "iv", "times": "08"},
        ],
        reason="Pumpen sköts av patienten efter utbildning",
        now=local(today, 7),
    )


@pytest.fixture
def tablet(at_home, ward_nurse):
    client = Client()
    code = monitoring.enrolment_issue(staff=ward_nurse, unit=at_home.ward, episode=at_home)
    assert client.post(reverse("monitoring:patient_start"), {"code": code}).status_code == 302
    return client


@pytest.fixture
def now_is(monkeypatch, today):
    def set_now(hour, minute=0):
        monkeypatch.setattr(timezone, "now", lambda: local(today, hour, minute))

    return set_now


def dose(drug, day, hour):
    return DoseAdministration.objects.get(drug=drug, due_at=local(day, hour))


def record_url(dose):
    return reverse("medication:patient_dose_record", args=[dose.pk])


def test_the_tablet_page_links_to_the_doses_only_with_a_pump(tablet, at_home, pump):
    assert "Min medicin" in tablet.get(reverse("monitoring:patient_home")).content.decode()


def test_no_link_without_a_pump_the_patient_runs(tablet, at_home, listed):
    assert "Min medicin" not in tablet.get(reverse("monitoring:patient_home")).content.decode()


def test_the_patient_records_the_pump_dose(tablet, pump, today, now_is):
    now_is(8, 15)
    page = tablet.get(reverse("medication:patient_doses"))
    # The pump's dose due now (not 16:00 yet), not the nurse's gentamicin.
    assert [(d.drug, d.due_at) for d in page.context["doses"]] == [("Cefotaxim", local(today, 8))]
    cefotaxim = dose("Cefotaxim", today, 8)
    response = tablet.post(record_url(cefotaxim), {"outcome": "given"})
    assert response.status_code == 302
    cefotaxim.refresh_from_db()
    assert cefotaxim.status == "given" and cefotaxim.by_patient
    assert cefotaxim.recorded_by is None and cefotaxim.given_at == local(today, 8, 15)
    entry = AccessLogEntry.objects.filter(detail__contains=f"dose {cefotaxim.pk} given").get()
    assert entry.unit == pump.episode.ward
    # A second recording is refused: one row, unchanged.
    again = tablet.post(record_url(cefotaxim), {"outcome": "not_given", "reason": "x"}, follow=True)
    assert "redan registrerad" in again.content.decode()
    cefotaxim.refresh_from_db()
    assert cefotaxim.status == "given"


def test_not_given_needs_a_reason_and_alerts_the_ward(tablet, pump, today, now_is):
    now_is(8, 30)
    cefotaxim = dose("Cefotaxim", today, 8)
    response = tablet.post(record_url(cefotaxim), {"outcome": "not_given"}, follow=True)
    assert "varför dosen inte gavs" in response.content.decode()
    tablet.post(record_url(cefotaxim), {"outcome": "not_given", "reason": "Pumpen larmar"})
    cefotaxim.refresh_from_db()
    assert cefotaxim.status == "not_given" and cefotaxim.alert.kind == "missed_dose"


def test_the_patient_may_not_record_the_nurses_dose(tablet, pump, today, now_is):
    now_is(8, 15)
    gentamicin = dose("Gentamicin", today, 8)
    assert tablet.post(record_url(gentamicin), {"outcome": "given"}).status_code == 404
    gentamicin.refresh_from_db()
    assert gentamicin.status == "planned"


def test_another_episodes_dose_is_not_found(tablet, pump, kim, ward, ward_nurse, physician, today):
    from hemma.episodes.models import Episode

    other = Episode.objects.create(
        patient=kim,
        ward=ward,
        created_by=ward_nurse,
        state="at_home",
        at_home_since=local(today, 6),
    )
    services.medication_list_save(
        staff=physician,
        unit=ward,
        episode=other,
        items=[IV | {"starts_on": today, "self_administered": True}],
        reason="x",
        now=local(today, 7),
    )
    theirs = DoseAdministration.objects.filter(episode=other).first()
    assert tablet.post(record_url(theirs), {"outcome": "given"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "planned"


def test_without_an_enrolled_tablet_nothing_is_recorded(client, pump, today):
    cefotaxim = dose("Cefotaxim", today, 8)
    assert client.get(reverse("medication:patient_doses")).status_code == 302
    assert client.post(record_url(cefotaxim), {"outcome": "given"}).status_code == 302
    cefotaxim.refresh_from_db()
    assert cefotaxim.status == "planned"


def test_the_midnight_dose_is_there_before_midnight_and_a_missed_one_stays(
    tablet, pump, today, now_is
):
    now_is(23, 55)
    shown = tablet.get(reverse("medication:patient_doses")).context["doses"]
    # 08 and 16 were never recorded: still there to record; 24:00 is due in 5 minutes.
    assert [d.due_at for d in shown] == [
        local(today, 8),
        local(today, 16),
        local(today + timedelta(days=1), 0),
    ]
    midnight = shown[-1]
    tablet.post(record_url(midnight), {"outcome": "given", "given_at": "23:50"})
    midnight.refresh_from_db()
    assert midnight.status == "given" and midnight.given_at == local(today, 23, 50)


# --- issue 19: a dose that is not recorded comes back in its section, at its fields -------


def section_of(body: str, dose) -> str:
    section = body[body.index(f'action="{record_url(dose)}"') :]
    return section[: section.index("</form>")]


def test_a_bad_time_is_an_error_at_the_time_with_the_answers_kept(tablet, pump, today, now_is):
    now_is(8, 15)
    cefotaxim = dose("Cefotaxim", today, 8)
    data = {"outcome": "delayed", "given_at": "25:99", "reason": "Glömde"}
    response = tablet.post(record_url(cefotaxim), data)
    assert response.status_code == 400
    body = response.content.decode()
    form = section_of(body, cefotaxim)
    assert f'id="dose-{cefotaxim.pk}-given_at-error"' in form and "giltig tid" in form
    assert f'aria-describedby="dose-{cefotaxim.pk}-given_at-error"' in form
    assert 'value="25:99"' in form and 'value="Glömde"' in form
    assert 'value="delayed" checked' in form
    assert f"dose-{cefotaxim.pk}-outcome-error" not in form
    assert "Välj om dosen gavs" not in body and body.count("giltig tid") == 1
    cefotaxim.refresh_from_db()
    assert cefotaxim.status == "planned"
    # Once: the page drawn again is clean.
    again = tablet.get(reverse("medication:patient_doses")).content.decode()
    assert "giltig tid" not in again and 'aria-invalid="true"' not in again


def test_no_answer_is_an_error_at_the_question(tablet, pump, today, now_is):
    now_is(8, 15)
    cefotaxim = dose("Cefotaxim", today, 8)
    response = tablet.post(record_url(cefotaxim), {"given_at": "08:10", "reason": ""})
    assert response.status_code == 400
    form = section_of(response.content.decode(), cefotaxim)
    assert f'id="dose-{cefotaxim.pk}-outcome-error"' in form and "måste fyllas i" in form
    assert 'value="08:10"' in form and "given_at-error" not in form
    cefotaxim.refresh_from_db()
    assert cefotaxim.status == "planned"


def test_a_refusal_is_the_dose_forms_own_error(tablet, pump, today, now_is):
    now_is(8, 30)
    cefotaxim = dose("Cefotaxim", today, 8)
    response = tablet.post(record_url(cefotaxim), {"outcome": "not_given"})
    assert response.status_code == 400
    body = response.content.decode()
    form = section_of(body, cefotaxim)
    assert f'id="dose-{cefotaxim.pk}-error"' in form and "varför dosen inte gavs" in form
    assert 'value="not_given" checked' in form
    assert body.count("varför dosen inte gavs") == 1
    cefotaxim.refresh_from_db()
    assert cefotaxim.status == "planned" and cefotaxim.alert is None


def test_a_dose_recorded_meanwhile_says_so_on_top(tablet, pump, today, now_is):
    now_is(8, 15)
    cefotaxim = dose("Cefotaxim", today, 8)
    tablet.post(record_url(cefotaxim), {"outcome": "given"})
    response = tablet.post(record_url(cefotaxim), {"outcome": "not_given", "reason": "x"})
    assert response.status_code == 400
    body = response.content.decode()
    assert body.count("redan registrerad") == 1 and record_url(cefotaxim) not in body
