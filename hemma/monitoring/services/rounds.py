"""The daily digital round: one patient's decision, held by the episode's ward."""

from django.db import transaction
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.episodes.models import Episode, EpisodeTransition
from hemma.episodes.services import episode_direct_admission, episode_log
from hemma.errors import HemmaError
from hemma.patients.policy import require_action

from ..models import RoundEntry


def round_action(decision: str) -> str:
    """The policy's name for recording this decision: the ward and the visiting team record
    the round ("continue as planned"); revising the agreement, the discharge conversation
    and a direct admission are the ward physician's decisions."""
    return "round" if decision == RoundEntry.Decision.CONTINUE else "round_decision"


def round_record(
    *,
    staff: Staff,
    unit: Unit,
    episode: Episode,
    day,
    decision: str,
    participants: list[str],
    note: str = "",
    video_link: str = "",
) -> RoundEntry:
    """One patient's decision at the day's round, held by the episode's ward (its physician
    decides); a direct admission runs the flow's step."""
    require_action(staff=staff, unit=unit, action="round", episode=episode)
    if decision not in RoundEntry.Decision.values:
        raise HemmaError(_("Välj ett beslut."))
    require_action(staff=staff, unit=unit, action=round_action(decision), episode=episode)
    if not participants:
        raise HemmaError(_("Ange vilka som deltog."))
    with transaction.atomic():
        earlier = RoundEntry.objects.select_for_update().filter(episode=episode, day=day).first()
        if earlier is not None:
            # A physician's decision is changed only by whoever may decide it.
            require_action(
                staff=staff, unit=unit, action=round_action(earlier.decision), episode=episode
            )
        if decision == RoundEntry.Decision.DIRECT_ADMISSION:
            episode_direct_admission(
                staff=staff,
                unit=unit,
                episode=episode,
                reason=note.strip() or _("Beslut på digital rond."),
            )
        entry, _created = RoundEntry.objects.update_or_create(
            episode=episode,
            day=day,
            defaults={
                "ward": episode.ward,
                "decision": decision,
                "participants": participants,
                "note": note.strip(),
                "video_link": video_link.strip(),
                "recorded_by": staff,
            },
        )
        # The round protocol shows on the episode timeline (a note, not a state change).
        EpisodeTransition.objects.create(
            episode=episode,
            from_state=episode.state,
            to_state=Episode.objects.get(pk=episode.pk).state,
            by=staff,
            reason=_("Digital rond: %(decision)s. %(note)s")
            % {"decision": RoundEntry.Decision(decision).label, "note": note.strip()},
        )
        episode_log(staff=staff, unit=unit, episode=episode, detail=f"round {day} {decision}")
    return entry
