"""The competence transfer and patient training of the demo, through the real services:
the ward's nurse Anna has trained the home health unit's nurses in the PICC line and the
antibiotic pump (Sofia only in the pump, so the planner warns when a PICC visit falls to
her alone), a named trainer taught subcutaneous injections; and Kim, still a candidate on
the ward, has been shown the tablet (4 of 7 items ticked). Idempotent: a record or a tick
that exists is left as it is."""

from datetime import timedelta

from django.utils import timezone

from hemma.accounts.models import Staff
from hemma.competence.models import CompetenceRecord, TrainingCheck
from hemma.competence.services import competence_record, training_tick
from hemma.episodes.models import Episode

# trainee username → [(skill, days ago, trainer username or a named trainer, valid days)]
DEMO_COMPETENCE = {
    "karin.hsv": [
        ("picc", 40, "anna.ssk", 365),
        ("infusion_pump", 40, "anna.ssk", 365),
        ("iv_antibiotics", 40, "anna.ssk", None),
    ],
    "nils.hsv": [
        ("picc", 12, "anna.ssk", 365),
        ("infusion_pump", 12, "anna.ssk", 365),
        ("iv_antibiotics", 12, "anna.ssk", None),
    ],
    "sofia.hsv": [("infusion_pump", 5, "anna.ssk", 365)],
    "maja.usk": [
        ("subcutaneous_injection", 90, "Diabetessjuksköterska, Vårdcentral Kvarnen", None)
    ],
}
KIM = "194405149057"
KIM_TICKED = ("measure_pulse_spo2", "measure_blood_pressure", "measure_temperature", "red_message")


def competence_ensure(patients: dict, units: dict, nurse: Staff) -> None:
    ward, home_health = units["ward"], units["home_health"]
    today = timezone.localdate()
    for username, rows in DEMO_COMPETENCE.items():
        trainee = Staff.objects.get(user__username=username)
        for skill, days_ago, trainer, valid_days in rows:
            if CompetenceRecord.objects.filter(
                staff=trainee, skill=skill, withdrawn_at=None
            ).exists():
                continue
            trainer_staff = Staff.objects.filter(user__username=trainer).first()
            trained_on = today - timedelta(days=days_ago)
            competence_record(
                staff=nurse,
                unit=ward,
                for_unit=home_health,
                trainee=trainee,
                skill=skill,
                trained_on=trained_on,
                valid_until=trained_on + timedelta(days=valid_days) if valid_days else None,
                trainer=trainer_staff,
                trainer_name="" if trainer_staff else trainer,
            )
    kim = patients.get(KIM)
    episode = Episode.objects.filter(patient=kim).order_by("-created_at").first() if kim else None
    if (
        episode is None
        or not episode.is_open
        or TrainingCheck.objects.filter(episode=episode).exists()
    ):
        return
    for item in KIM_TICKED:
        training_tick(staff=nurse, unit=ward, episode=episode, item=item)
