"""The demo's medication lists: believable, different for each patient, made by the ward's
physician through the real services (versions where the demo tells a story: Lisa's dose
raised, Tolvan's antibiotic broadened after his readmission), and the doses they give for
the patients at home. Idempotent: an episode with a list is left as it is."""

from datetime import timedelta

from django.utils import timezone

from hemma.accounts.models import Staff
from hemma.clinical import episode_states as states
from hemma.episodes.models import Episode
from hemma.medication import services as medication
from hemma.medication.models import MedicationListVersion


def _iv(drug, dose, times, days, **extra):
    return {"drug": drug, "dose": dose, "route": "iv", "times": times, "days": days} | extra


def _po(drug, dose, times="vid behov", **extra):
    return {"drug": drug, "dose": dose, "route": "po", "times": times} | extra


PARACETAMOL = _po("Paracetamol", "1 g", note="högst 4 g per dygn")

# personal number → the list's versions, oldest first: (reason, items). "days": the
# course's length from today (its last day is then set). Each list fits the patient's
# diagnosis as a Swedish infection ward doses it; the IV doses given by the home health
# nurses are the visits the planner gets (visits_ensure fits the agreement to the list).
MEDICATION_LISTS = {
    # Kim, pyelonephritis day 3 on the ward: once-daily ceftriaxone to go home with.
    "194405149057": [
        (
            "Planerad behandling i hemmet",
            [
                _iv("Ceftriaxon", "2 g", "08", 7),
                _po("Enalapril", "10 mg", "08", note="hypertoni, sedan tidigare"),
                PARACETAMOL,
            ],
        )
    ],
    # Lisa, erysipelas, chronic atrial fibrillation: cloxacillin three times a day, the
    # dose raised on day 2 at home.
    "193805089145": [
        (
            "Vid utskrivning till hemmet",
            [
                _iv("Kloxacillin", "1 g", "08, 16, 24", 7),
                _po("Apixaban", "5 mg", "08, 20", note="förmaksflimmer, sedan tidigare"),
                _po("Metoprolol", "50 mg", "08", note="frekvensreglering"),
                PARACETAMOL,
            ],
        ),
        (
            "Rodnaden sprider sig, CRP stigande: högre dos",
            [
                _iv("Kloxacillin", "2 g", "08, 16, 24", 7),
                _po("Apixaban", "5 mg", "08, 20", note="förmaksflimmer, sedan tidigare"),
                _po("Metoprolol", "50 mg", "08", note="frekvensreglering"),
                PARACETAMOL,
            ],
        ),
    ],
    # Greta, pneumonia, runs her own pump after training (the tablet records her doses).
    "194004019180": [
        (
            "Planerad behandling i hemmet, patienten sköter pumpen",
            [
                _iv(
                    "Bensylpenicillin",
                    "3 g",
                    "08, 16, 24",
                    5,
                    self_administered=True,
                    note="CADD-pump, patienten kopplar kassetten",
                ),
                _po("Levotyroxin", "75 mikrogram", "07", note="hypotyreos, sedan tidigare"),
                PARACETAMOL,
            ],
        )
    ],
    # Omar, pneumonia with heart failure and diabetes: cefotaxime three times a day and
    # furosemide iv in the morning while he has fluid on the lungs.
    "193504049135": [
        (
            "Planerad behandling i hemmet",
            [
                _iv("Cefotaxim", "1 g", "08, 16, 24", 7),
                _iv("Furosemid", "40 mg", "08", 3, note="hjärtsvikt, vikt dagligen"),
                _po("Metformin", "500 mg", "08, 18"),
                _po("Bisoprolol", "5 mg", "08", note="hjärtsvikt, sedan tidigare"),
                PARACETAMOL,
            ],
        )
    ],
    # Tolvan, urosepsis: once daily at home, broadened after the direct admission.
    "191212121212": [
        ("Vid utskrivning till hemmet", [_iv("Ceftriaxon", "2 g", "08", 5)]),
        (
            "Feber och frossa, återinlagd, ESBL i urinodlingen: meropenem",
            [_iv("Meropenem", "1 g", "08, 16, 24", 7), PARACETAMOL],
        ),
    ],
}
# Bo was discharged before lists had versions: his care request keeps the list it was
# sent with.
SENT_WITH_REQUEST = {
    "193703149132": [
        {"drug": "Kloxacillin", "dose": "2 g", "route": "iv", "times": "08, 16, 24"},
        {"drug": "Paracetamol", "dose": "1 g", "route": "po", "times": "vid behov"},
    ]
}


def home_iv_times(number: str) -> str:
    """The clock times of the IV doses the home health nurses give (not the ones the
    patient gives with the pump), from the patient's first list: "08, 16, 24"."""
    rows = [
        row
        for row in care_request_rows(number)
        if row["route"] == "iv" and not _self_administered(number, row["drug"])
    ]
    hours = sorted({hour.strip() for row in rows for hour in row["times"].split(",")})
    return ", ".join(hours)


def _self_administered(number: str, drug: str) -> bool:
    versions = MEDICATION_LISTS.get(number) or [("", [])]
    return any(row["drug"] == drug and row.get("self_administered") for row in versions[0][1])


def home_interventions(number: str) -> str:
    """What the care request asks of home health care, from the patient's list."""
    times = home_iv_times(number)
    if times:
        drugs = ", ".join(
            f"{row['drug']} {row['dose']}"
            for row in care_request_rows(number)
            if row["route"] == "iv"
        )
        return f"IV-läkemedel ({drugs}) kl. {times}, kontroll av infart, blodprover."
    return "Byte av pumpens kassett dagligen 08, kontroll av PICC, blodprover."


def pump_or_set(number: str) -> str:
    """The equipment the ward sends: a pump for a patient who runs it, else infusion sets."""
    return (
        "Infusionsaggregat och material för PVK"
        if home_iv_times(number)
        else "Antibiotikapump (CADD)"
    )


def care_request_rows(number: str) -> list[dict]:
    """The list a demo care request is sent with: the patient's first version."""
    if number in SENT_WITH_REQUEST:
        return SENT_WITH_REQUEST[number]
    versions = MEDICATION_LISTS.get(number)
    if not versions:
        return []
    return [{key: row[key] for key in ("drug", "dose", "route", "times")} for row in versions[0][1]]


def logistics_item(number: str) -> str:
    """The IV antibiotic the ward orders for the patient's first days at home."""
    rows = [row for row in care_request_rows(number) if row["route"] == "iv"]
    return f"{rows[0]['drug']} {rows[0]['dose']}, 7 dagar" if rows else "Antibiotika enligt lista"


def medication_ensure(patients: dict, physician: Staff) -> None:
    """Each demo patient's list, version by version, by the ward's physician (once), and
    the coming doses of the patients at home."""
    today = timezone.localdate()
    for number, versions in MEDICATION_LISTS.items():
        episode = (
            Episode.objects.filter(patient=patients[number])
            .exclude(state__in=states.FINAL_STATES)
            .select_related("ward")
            .first()
        )
        if episode is None or MedicationListVersion.objects.filter(episode=episode).exists():
            continue
        for reason, rows in versions:
            items = [
                {key: value for key, value in row.items() if key != "days"}
                | {
                    "starts_on": today,
                    "ends_on": today + timedelta(days=row["days"] - 1) if "days" in row else None,
                }
                for row in rows
            ]
            medication.medication_list_save(
                staff=physician, unit=episode.ward, episode=episode, items=items, reason=reason
            )
        _back_date_versions(episode)
    for episode in Episode.objects.filter(state__in=medication.SCHEDULED_STATES):
        medication.doses_schedule(episode=episode)


def _back_date_versions(episode: Episode) -> None:
    """The first version when the patient went home (or at the episode's last step), each
    change a day later (a readmission's change right after it), never after now."""
    steps = episode.transitions.order_by("at")
    home = steps.filter(to_state=states.AT_HOME).first() or steps.last()
    last = steps.last()
    if home is None:
        return
    now = timezone.now()
    for number, version in enumerate(episode.medication_versions.order_by("number")):
        at = home.at if number == 0 else max(home.at + timedelta(days=number), last.at)
        at = min(at + timedelta(minutes=30), now)
        MedicationListVersion.objects.filter(pk=version.pk).update(created_at=at)
