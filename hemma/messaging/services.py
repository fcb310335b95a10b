"""Sending and reading secure messages: the patient's tablet sends one to the ward
(`message_from_patient`, idempotent by the tablet's client id), the ward answers
(`message_to_patient`, the policy's `message_patient`), and each side's opening of the
thread is the other side's read receipt (`messages_read_by_ward`,
`messages_read_by_patient`). A new patient message raises no alert: the ward's inbox and
the menu's badge show it."""

import re
import unicodedata

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.episodes.models import Episode
from hemma.episodes.services import episode_log
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.monitoring.models import DeviceEnrolment
from hemma.patients.policy import may_do, require_action

from .models import MAX_LENGTH, Message

# Line breaks and tabs are text; every other control character (NUL included) and a lone
# surrogate (not UTF-8) is refused rather than stored or silently dropped.
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Why the message cannot be sent (Swedish), or None."""
    if not text or not text.strip():
        return _("Skriv ett meddelande.")
    if len(text) > MAX_LENGTH:
        return _("Meddelandet är för långt: högst %(n)s tecken.") % {"n": MAX_LENGTH}
    if _SURROGATE.search(text) or any(
        unicodedata.category(c) == "Cc" and c not in _ALLOWED_CONTROLS for c in text
    ):
        return _("Meddelandet innehåller tecken som inte kan sparas. Skriv om det.")
    return None


def client_id_problem(client_id: str) -> str | None:
    if not 0 < len(client_id) <= 100 or not client_id.isascii() or not client_id.isprintable():
        return _("Meddelandet saknar ett giltigt id.")
    return None


def _check(episode: Episode, text: str) -> str:
    if not episode.is_open:
        raise NotAllowed(_("Vårdtillfället är avslutat."))
    problem = text_problem(text)
    if problem:
        raise HemmaError(problem)
    return text.strip()


def message_from_patient(
    *, device: DeviceEnrolment, text: str, client_id: str
) -> tuple[Message, bool]:
    """The tablet sends a message to the ward of its episode. A resend with the same
    client id and text answers the stored message (created False); other text under the
    same id is a Conflict."""
    episode = device.episode
    problem = client_id_problem(client_id)
    if problem:
        raise HemmaError(problem)
    text = _check(episode, text)
    existing = Message.objects.filter(episode=episode, client_id=client_id).first()
    if existing is not None:
        return _resent(existing, text), False
    try:
        with transaction.atomic():
            message = Message.objects.create(
                episode=episode,
                direction=Message.Direction.TO_WARD,
                text=text,
                sent_at=timezone.now(),
                device=device,
                client_id=client_id,
            )
    except IntegrityError:  # a concurrent copy of the same message won
        return _resent(Message.objects.get(episode=episode, client_id=client_id), text), False
    return message, True


def _resent(existing: Message, text: str) -> Message:
    if existing.text != text:
        raise Conflict(_("Meddelandet har redan skickats med en annan text."))
    return existing


def message_to_patient(*, staff: Staff, unit: Unit, episode: Episode, text: str) -> Message:
    """A ward member answers the patient (message_patient); logged as an edit of the
    episode's record."""
    require_action(staff=staff, unit=unit, action="message_patient", episode=episode)
    with transaction.atomic():
        text = _check(episode, text)
        message = Message.objects.create(
            episode=episode,
            direction=Message.Direction.TO_PATIENT,
            text=text,
            sent_at=timezone.now(),
            sender=staff,
            sender_unit=unit,
        )
        episode_log(staff=staff, unit=unit, episode=episode, detail=f"message {message.pk}")
    return message


def messages_read_by_ward(*, staff: Staff, unit: Unit, episode: Episode) -> int:
    """A ward member opened the thread: the patient's unread messages are read by them.
    Anyone else reading it (home health care) leaves them unread. Returns how many."""
    if not may_do(staff=staff, unit=unit, action="message_patient", episode=episode):
        return 0
    return Message.objects.filter(
        episode=episode, direction=Message.Direction.TO_WARD, read_at__isnull=True
    ).update(read_at=timezone.now(), read_by=staff)


def messages_read_by_patient(*, device: DeviceEnrolment) -> int:
    """The tablet showed the thread: the ward's unread messages are read."""
    return Message.objects.filter(
        episode=device.episode, direction=Message.Direction.TO_PATIENT, read_at__isnull=True
    ).update(read_at=timezone.now())
