"""Lab results for the demo episodes, through the real service: Kim's CRP falling on the
ward before he goes home (his agreement's "CRP sjunkande" is then shown as met), Lisa's
CRP rising again with her red NEWS2 at home, and the readmitted patient's urosepsis
values. Idempotent: an episode that has results is left as it is."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from hemma.accounts.models import Staff
from hemma.episodes.models import Episode
from hemma.labs.models import LabResult
from hemma.labs.services import lab_result_record

# personal number → [(hours ago, analyte, value, taken at a home visit)]
DEMO_LABS = {
    "194405149057": [  # Kim, pyelonefrit: falling on the ward
        (44, "crp", "142", False),
        (44, "lpk", "13.8", False),
        (44, "kreatinin", "104", False),
        (20, "crp", "96", False),
        (3, "crp", "58", False),
        (3, "lpk", "9.1", False),
        (3, "kreatinin", "86", False),
    ],
    "193805089145": [  # Lisa, erysipelas at home: better, then worse again
        (46, "crp", "182", False),
        (46, "hb", "128", False),
        (22, "crp", "124", True),
        (22, "lpk", "11.2", True),
        (3, "crp", "151", True),
        (3, "lpk", "13.6", True),
        (3, "kalium", "3.6", True),
        (3, "kreatinin", "92", True),
    ],
    "191212121212": [  # readmitted with urosepsis
        (30, "crp", "88", True),
        (6, "crp", "214", False),
        (6, "laktat", "2.8", False),
        (6, "kreatinin", "141", False),
        (6, "natrium", "133", False),
        (6, "pct", "4.6", False),
    ],
}


def labs_ensure(patients: dict, units: dict, nurse: Staff, home_nurse: Staff) -> None:
    now = timezone.now()
    for number, rows in DEMO_LABS.items():
        patient = patients.get(number)
        episode = (
            Episode.objects.filter(patient=patient).order_by("-created_at").first()
            if patient
            else None
        )
        if episode is None or not episode.is_open:
            continue
        if LabResult.objects.filter(episode=episode).exists():
            continue
        visiting = episode.home_health_unit_id == units["home_health"].pk
        for hours_ago, analyte, value, at_visit in rows:
            staff, unit = (
                (home_nurse, units["home_health"])
                if at_visit and visiting
                else (
                    nurse,
                    units["ward"],
                )
            )
            lab_result_record(
                staff=staff,
                unit=unit,
                episode=episode,
                analyte=analyte,
                value=Decimal(value),
                taken_at=now - timedelta(hours=hours_ago),
            )
