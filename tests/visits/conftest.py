"""A home health unit's day: three staff, two patients at home-to-be with the OPAT
agreement (pump change 08, blood samples Monday/Thursday) and Omar-like extra activities."""

from datetime import date, time
from decimal import Decimal

import pytest

from hemma.careplans import services as careplans
from hemma.careplans.models import Agreement
from hemma.visits import services
from hemma.visits.forms import on_day
from tests.conftest import make_patient, make_staff
from tests.flow import send_home_health_request, to_agreed

DAY = date(2026, 11, 26)  # a Thursday: blood samples are due
BASE = (Decimal("60.606600"), Decimal("15.631000"))
EXTRA = [
    {"what": "IV-antibiotika", "who": "Hemsjukvården, sjuksköterska", "when": "08, 16, 24"},
    {
        "what": "Förflyttning, två personal",
        "who": "Hemsjukvården, undersköterska",
        "when": "Dagligen 09",
    },
]


def at(clock: str, day: date = DAY):
    return on_day(day, time.fromisoformat(clock))


@pytest.fixture
def team(home_health):
    return {
        "nurse": make_staff("hsvnurse", "nurse", home_health),
        "usk1": make_staff("usk1", "assistant_nurse", home_health),
        "usk2": make_staff("usk2", "assistant_nurse", home_health),
    }


def _shift(worker, unit, planner, start="07:00", end="16:00", **kwargs):
    return services.shift_save(
        staff=planner,
        unit=unit,
        worker=worker,
        day=DAY,
        starts=at(start),
        ends=at(end),
        latitude=BASE[0],
        longitude=BASE[1],
        **kwargs,
    )


@pytest.fixture
def shifts(team, home_health):
    nurse = team["nurse"]
    return [
        _shift(nurse, home_health, nurse, "07:00", "01:00"),
        _shift(team["usk1"], home_health, nurse, break_from=at("11:00"), break_until=at("13:00")),
        _shift(team["usk2"], home_health, nurse, break_from=at("11:00"), break_until=at("13:00")),
    ]


@pytest.fixture
def home_patients(ward, home_health, ward_nurse, physician, primary_care):
    episodes = []
    for number, name, lat in (
        ("19380508-9145", "Lisa", "60.6032"),
        ("19350404-9135", "Omar", "60.6179"),
    ):
        patient = make_patient(
            number,
            name,
            ward,
            home_health,
            listed_unit=primary_care,
            street_address="Trotzgatan 1",
            city="Falun",
            phone="0701740611",
            latitude=Decimal(lat),
            longitude=Decimal("15.6300"),
        )
        episode = to_agreed(patient=patient, ward=ward, nurse=ward_nurse, physician=physician)
        send_home_health_request(episode, ward_nurse, home_health)
        episode.refresh_from_db()
        if name == "Omar":
            agreement = Agreement.objects.get(episode=episode)
            content = agreement.versions.get(number=1).content()
            content["activities"] = content["activities"] + EXTRA
            careplans.agreement_revise(
                staff=ward_nurse, unit=ward, agreement=agreement, base_number=1, content=content
            )
        episodes.append(episode)
    return episodes
