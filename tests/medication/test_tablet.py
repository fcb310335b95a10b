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
