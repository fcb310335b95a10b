"""The patient's voice (issue 18): "Hur mår du?" and the note from the tablet are shown to
staff with each reading and on the round; "worse" or a note raises one patient-concern
alert per set next to the set's NEWS2 alert (never instead of it), idempotent on resend."""

import json
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hemma.episodes.models import Episode
from hemma.monitoring import services
from hemma.monitoring.models import Alert, Level, ObservationSet
from tests.conftest import client_for, make_patient
from tests.monitoring.conftest import HOME_SET, RED_SET

pytestmark = pytest.mark.django_db

CHEST = "Jag har ont i bröstet"


def record(episode, values, client_id="r1", source="patient", **kwargs):
    return services.observation_record(
        episode=episode, values=values, source=source, client_id=client_id, **kwargs
    )


def concerns():
    return Alert.objects.filter(kind=Alert.Kind.PATIENT_CONCERN)


class TestConcernAlert:
    def test_worse_and_a_note_raise_a_patient_concern_next_to_the_news2_alert(self, at_home):
        recorded = record(at_home, RED_SET, feeling="worse", note=CHEST)
        assert recorded.alert.kind == Alert.Kind.VITALS  # the tablet's red answer keeps NEWS2's
        vitals = Alert.objects.get(kind=Alert.Kind.VITALS)
        concern = concerns().get()
        assert vitals.observation_id == concern.observation_id == recorded.observation.pk
        assert concern.level == Level.LOW_MEDIUM and concern.unit_id == at_home.ward_id
        assert concern.reasons == ["Patienten mår sämre", f"Patienten skriver: ”{CHEST}”"]
        assert "Ring patienten" in concern.recommended_response
        assert vitals.recommended_response.startswith("Kontinuerlig")  # RCP's, unchanged

    def test_worse_alone_or_a_note_alone_raise_it(self, at_home):
        record(at_home, HOME_SET, client_id="a", feeling="worse")
        record(
            at_home,
            HOME_SET,
            client_id="b",
            note="Svårt att sova",
            measured_at=timezone.now() - timedelta(hours=1),
        )
        assert sorted(map(tuple, concerns().values_list("reasons", flat=True))) == [
            ("Patienten mår sämre",),
            ("Patienten skriver: ”Svårt att sova”",),
        ]
        assert not Alert.objects.filter(kind=Alert.Kind.VITALS).exists()

    @pytest.mark.parametrize("feeling", ["better", "same", ""])
    def test_feeling_better_or_the_same_without_a_note_raises_nothing(self, at_home, feeling):
        record(at_home, HOME_SET, feeling=feeling)
        assert not Alert.objects.exists()

    def test_a_resend_raises_no_second_concern(self, at_home):
        first = record(at_home, RED_SET, client_id="same", feeling="worse", note=CHEST)
        again = record(at_home, RED_SET, client_id="same", feeling="worse", note=CHEST)
        assert not again.created and again.alert.pk == first.alert.pk
        assert again.alert.kind == Alert.Kind.VITALS
        assert concerns().count() == 1 and Alert.objects.count() == 2

    def test_a_joining_reading_updates_the_sets_one_concern(self, at_home):
        now = timezone.now()
        record(at_home, {"pulse": 80}, client_id="a", feeling="worse", measured_at=now)
        record(
            at_home,
            {"temperature": 37.0},
            client_id="b",
            note=CHEST,
            measured_at=now + timedelta(minutes=1),
        )
        assert ObservationSet.objects.count() == 1
        concern = concerns().get()
        assert concern.reasons == ["Patienten mår sämre", f"Patienten skriver: ”{CHEST}”"]

    def test_a_staff_note_at_a_visit_is_not_the_patients_concern(
        self, at_home, home_nurse, home_health
    ):
        record(
            at_home,
            HOME_SET,
            source="home_health",
            recorded_by=home_nurse,
            unit=home_health,
            note="Sår ser fint ut",
        )
        assert not concerns().exists()

    def test_the_database_holds_one_concern_per_set(self, at_home):
        from django.db import IntegrityError, transaction

        record(at_home, HOME_SET, note=CHEST)
        concern = concerns().get()
        with pytest.raises(IntegrityError), transaction.atomic():
            Alert.objects.create(
                episode=at_home,
                unit_id=at_home.ward_id,
                observation_id=concern.observation_id,
                kind=Alert.Kind.PATIENT_CONCERN,
                level=Level.LOW_MEDIUM,
            )

    def test_the_tablet_sends_worse_and_a_note(self, client, at_home, ward_nurse):
        code = services.enrolment_issue(staff=ward_nurse, unit=at_home.ward, episode=at_home)
        client.post(reverse("monitoring:patient_start"), {"code": code})
        body = {
            "client_id": str(uuid.uuid4()),
            "values": HOME_SET,
            "feeling": "worse",
            "note": CHEST,
        }
        response = client.post(
            reverse("monitoring:patient_submit"), json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 201 and response.json()["red"] is False
        assert concerns().get().reasons[-1] == f"Patienten skriver: ”{CHEST}”"


class TestStaffSeeIt:
    def test_the_alert_list_shows_the_kind_the_feeling_and_the_note(
        self, client, at_home, ward_nurse
    ):
        record(at_home, RED_SET, feeling="worse", note=CHEST)
        page = client_for(client, ward_nurse).get(reverse("monitoring:alerts")).content.decode()
        assert "Patientens oro" in page and "Vitalparametrar" in page
        assert f'<q class="patient-note">{CHEST}</q>' in page
        assert "Mår <strong" in page and "sämre</strong>" in page

    def test_the_episode_page_shows_them_with_each_reading(self, client, at_home, ward_nurse):
        record(at_home, HOME_SET, feeling="better", note="Bättre idag")
        page = client_for(client, ward_nurse).get(reverse("monitoring:episode", args=[at_home.pk]))
        body = page.content.decode()
        assert "Mår <strong>bättre</strong>" in body and "Bättre idag" in body
        assert "Patientens oro" in body  # the note's concern in the episode's alerts

    def test_the_round_shows_the_patients_own_words(self, client, at_home, physician):
        record(at_home, HOME_SET, feeling="worse", note=CHEST)
        body = client_for(client, physician).get(reverse("monitoring:round")).content.decode()
        assert "Patientens egna ord" in body and CHEST in body

    def test_the_round_query_count_stays_constant_with_words_and_concerns(
        self, client, ward, ward_nurse
    ):
        as_nurse = client_for(client, ward_nurse)

        def add(number):
            episode = Episode.objects.create(
                patient=make_patient(number, "P", ward),
                ward=ward,
                created_by=ward_nurse,
                state="at_home",
                at_home_since=timezone.now() - timedelta(days=3),
            )
            for hours in (4, 12):
                record(
                    episode,
                    RED_SET,
                    client_id=f"{number}-{hours}",
                    feeling="worse",
                    note=f"Oro {hours}",
                    measured_at=timezone.now() - timedelta(hours=hours),
                )

        def count():
            with CaptureQueriesContext(connection) as queries:
                response = as_nurse.get(reverse("monitoring:round"))
                assert response.status_code == 200
            return len(queries), response.content.decode()

        add("19440514-9057")
        count()
        few, _body = count()
        for number in ("19380508-9145", "19350404-9135", "19400401-9180"):
            add(number)
        count()  # the new patients' first list entries
        many, body = count()
        assert many == few
        assert body.count("Patientens egna ord") == 4
