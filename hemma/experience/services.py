"""Storing the patient's answer to the questionnaire: once per episode, from the tablet of
that episode, within the offer window after discharge. A resend (a double tap, a dropped
network) changes nothing and says so (created False); the first answer stands."""

import re
import unicodedata
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.clinical import episode_states as states
from hemma.errors import HemmaError, NotAllowed
from hemma.monitoring.models import DeviceEnrolment

from .models import COMMENT_MAX_LENGTH, QUESTIONS, Response, Scale
from .selectors import OFFER_DAYS

_ALLOWED_CONTROLS = {"\n", "\r", "\t"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def comment_problem(text: str) -> str | None:
    """Why the free text cannot be stored (Swedish), or None. Control characters other
    than line breaks are refused, never silently dropped."""
    if len(text) > COMMENT_MAX_LENGTH:
        return _("Texten är för lång: högst %(n)s tecken.") % {"n": COMMENT_MAX_LENGTH}
    if _SURROGATE.search(text) or any(
        unicodedata.category(c) == "Cc" and c not in _ALLOWED_CONTROLS for c in text
    ):
        return _("Texten innehåller tecken som inte kan sparas. Skriv om den.")
    return None


def experience_answer(
    *, device: DeviceEnrolment, values: dict[str, int], comment: str = ""
) -> tuple[Response, bool]:
    """The tablet's answer for its own episode. Returns (the stored answer, created)."""
    episode = device.episode
    if (
        device.revoked_at is not None
        or episode.state != states.DISCHARGED
        or episode.ended_at is None
        or episode.ended_at < timezone.now() - timedelta(days=OFFER_DAYS)
    ):
        raise NotAllowed(_("Frågorna går inte att besvara på den här surfplattan nu."))
    if set(values) != set(QUESTIONS) or any(
        not isinstance(v, int) or isinstance(v, bool) or v not in Scale.values
        for v in values.values()
    ):
        raise HemmaError(_("Välj ett av svaren för varje fråga."))
    comment = comment.strip()
    problem = comment_problem(comment)
    if problem:
        raise HemmaError(problem)
    if not comment and not any(values.values()):
        raise HemmaError(_("Svara på minst en fråga, eller stäng sidan."))
    existing = Response.objects.filter(episode=episode).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            response = Response.objects.create(
                episode=episode, answered_at=timezone.now(), comment=comment, **values
            )
    except IntegrityError:  # a concurrent copy of the same answer won
        return Response.objects.get(episode=episode), False
    return response, True
