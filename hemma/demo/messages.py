"""A short thread between Lisa's tablet and the ward, through the real services: an
evening question, answered; then her morning question about the leg, the ward's answer
(read on the tablet) and her thanks, still unread – so the ward's menu shows a badge.
Lisa's tablet is enrolled with the ward's one-time code as at the bedside. Idempotent: an
episode with messages is left as it is."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from hemma.accounts.models import Staff
from hemma.episodes.models import Episode
from hemma.messaging.models import Message
from hemma.messaging.services import message_from_patient, message_to_patient
from hemma.monitoring.models import DeviceEnrolment
from hemma.monitoring.services import enrolment_claim, enrolment_issue

LISA = "193805089145"

# (minutes before the anchor – today's 13:00 once passed, else yesterday's – from the
# patient, text): a question the evening before, and the morning's thread.
THREAD = [
    (
        1080,
        True,
        "Det svider lite i armen när antibiotikan går in. Är det normalt?",
    ),
    (
        1065,
        False,
        "Hej Lisa! Lite sveda kan det göra, men blir armen röd eller svullen runt infarten "
        "ska du säga till Nils när han kommer vid midnatt, eller ringa oss.",
    ),
    (1050, True, "Okej, tack!"),
    (
        190,
        True,
        "Hej! Benet är rödare i dag och det värker mer än i går. Ska jag ha det högt hela tiden?",
    ),
    (
        175,
        False,
        "Hej Lisa, tack för att du skriver. Ja, ha benet högt så mycket du kan. Karin från "
        "hemsjukvården kommer med antibiotikan kl. 16, tittar på benet och tar prover. Får "
        "du feber eller blir det snabbt sämre: ring oss direkt.",
    ),
    (150, True, "Tack, då väntar jag på henne."),
]


def messages_ensure(patients: dict, nurse: Staff) -> None:
    patient = patients.get(LISA)
    episode = Episode.objects.filter(patient=patient, state="at_home").first() if patient else None
    if episode is None or Message.objects.filter(episode=episode).exists():
        return
    code = enrolment_issue(staff=nurse, unit=episode.ward, episode=episode, label="Surfplatta")
    enrolment_claim(code=code)
    device = DeviceEnrolment.objects.filter(episode=episode, token_hash__isnull=False).first()
    now = timezone.now()
    # The morning's thread ends before 13:00: today's if that has passed, else yesterday's.
    anchor = timezone.make_aware(datetime.combine(timezone.localdate(now), time(13, 0)))
    if anchor > now:
        anchor -= timedelta(days=1)
    for number, (minutes, from_patient, text) in enumerate(THREAD):
        if from_patient:
            message, _created = message_from_patient(
                device=device, text=text, client_id=f"demo-{number}"
            )
        else:
            message = message_to_patient(staff=nurse, unit=episode.ward, episode=episode, text=text)
        # Back-dated like the rest of the demo's activity; everything but the last is read.
        sent_at = anchor - timedelta(minutes=minutes)
        read = number < len(THREAD) - 1
        Message.objects.filter(pk=message.pk).update(
            sent_at=sent_at,
            read_at=sent_at + timedelta(minutes=5) if read else None,
            read_by=nurse if read and from_patient else None,
        )
