"""State changes of information and competence: ticking off the patient's training
(`training_tick`, `training_untick`: the policy's `train_patient`, the ward or the
visiting team, written to the access log as an edit of the patient's record) and the
competence transfer (`competence_record`, `competence_withdraw`: `rules.may_record`; the
record itself keeps who, for which unit and when – staff data, no patient involved)."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.episodes.models import Episode
from hemma.episodes.services import episode_log
from hemma.errors import HemmaError, NotAllowed
from hemma.patients.policy import is_care_member, require_action

from . import rules, selectors
from .models import CompetenceRecord, Skill, TrainingCheck, TrainingItem

# --- the patient's training -------------------------------------------------------------


def _training_item(episode: Episode, item: str) -> str:
    if item not in TrainingItem.values:
        raise HemmaError(_("Okänt moment."))
    if item not in selectors.training_items(episode):
        raise HemmaError(_("Momentet gäller inte den här patientens vård i hemmet."))
    return item


def training_tick(*, staff: Staff, unit: Unit, episode: Episode, item: str) -> TrainingCheck:
    """The ward or the visiting team ticks off one item of the patient's training; ticking
    a ticked item again changes nothing."""
    require_action(staff=staff, unit=unit, action="train_patient", episode=episode)
    with transaction.atomic():
        locked = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
        if not locked.is_open:
            raise NotAllowed(_("Vårdtillfället är avslutat."))
        _training_item(locked, item)
        existing = TrainingCheck.objects.filter(episode=locked, item=item, unticked_at=None).first()
        if existing is not None:
            return existing
        check = TrainingCheck.objects.create(
            episode=locked, item=item, ticked_by=staff, ticked_unit=unit, ticked_at=timezone.now()
        )
        episode_log(staff=staff, unit=unit, episode=locked, detail=f"training ticked: {item}")
    return check


def training_untick(*, staff: Staff, unit: Unit, episode: Episode, item: str) -> TrainingCheck:
    """Take a tick back (e.g. the patient was unsure after all); the row keeps who ticked
    and who took it back."""
    require_action(staff=staff, unit=unit, action="train_patient", episode=episode)
    if item not in TrainingItem.values:
        raise HemmaError(_("Okänt moment."))
    with transaction.atomic():
        locked = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
        if not locked.is_open:
            raise NotAllowed(_("Vårdtillfället är avslutat."))
        check = (
            TrainingCheck.objects.select_for_update()
            .filter(episode=locked, item=item, unticked_at=None)
            .first()
        )
        if check is None:
            raise HemmaError(_("Momentet är inte avbockat."))
        check.unticked_by, check.unticked_unit, check.unticked_at = staff, unit, timezone.now()
        check.save(update_fields=["unticked_by", "unticked_unit", "unticked_at"])
        episode_log(staff=staff, unit=unit, episode=locked, detail=f"training unticked: {item}")
    return check


# --- the competence transfer ------------------------------------------------------------


def competence_problems(
    *,
    unit: Unit,
    trainee: Staff | None,
    skill: str,
    trained_on: date | None,
    valid_until: date | None,
    trainer: Staff | None,
    trainer_name: str,
    acting_unit: Unit | None = None,
    today: date | None = None,
) -> dict[str, str]:
    """Field name → why the record cannot be stored (Swedish); empty when it can."""
    today = today or timezone.localdate()
    problems: dict[str, str] = {}
    if skill not in Skill.values:
        problems["skill"] = _("Okänd kompetens.")
    if trainee is not None and not is_care_member(trainee, unit):
        problems["staff"] = _("%(name)s arbetar inte på enheten.") % {"name": trainee.display_name}
    if trained_on is not None:
        if trained_on > today:
            problems["trained_on"] = _("Utbildningsdagen ligger i framtiden.")
        elif valid_until is not None and valid_until <= trained_on:
            problems["valid_until"] = _("Giltig till måste vara efter utbildningsdagen.")
    if valid_until is not None and valid_until < today and "valid_until" not in problems:
        problems["valid_until"] = _("Kompetensen har redan gått ut.")
    name = (trainer_name or "").strip()
    if trainer is None and not name:
        problems["trainer"] = _("Ange vem som utbildade: välj i listan eller skriv ett namn.")
    elif trainer is not None and name:
        problems["trainer"] = _("Välj utbildare i listan eller skriv ett namn, inte båda.")
    elif trainer is not None:
        if trainee is not None and trainer.pk == trainee.pk:
            problems["trainer"] = _("Ingen kan utbilda sig själv.")
        elif trainer.pk not in selectors.trainer_choices(unit, acting_unit).values_list(
            "pk", flat=True
        ):
            problems["trainer"] = _("Utbildaren arbetar inte på en avdelning som utbildar enheten.")
    return problems


def competence_record(
    *,
    staff: Staff,
    unit: Unit,
    for_unit: Unit,
    trainee: Staff,
    skill: str,
    trained_on: date,
    valid_until: date | None = None,
    trainer: Staff | None = None,
    trainer_name: str = "",
) -> CompetenceRecord:
    """The trainer's unit or the visiting unit's manager (`staff` acting for `unit`)
    records that `trainee`, of `for_unit`, was trained in `skill`."""
    if not rules.may_record(staff=staff, acting_unit=unit, unit=for_unit):
        raise NotAllowed(_("Din enhet får inte registrera kompetens för den här enheten."))
    problems = competence_problems(
        unit=for_unit,
        trainee=trainee,
        skill=skill,
        trained_on=trained_on,
        valid_until=valid_until,
        trainer=trainer,
        trainer_name=trainer_name,
        acting_unit=unit,
    )
    if problems:
        raise HemmaError(next(iter(problems.values())))
    with transaction.atomic():
        return CompetenceRecord.objects.create(
            unit=for_unit,
            staff=trainee,
            skill=skill,
            trained_on=trained_on,
            valid_until=valid_until,
            trainer=trainer,
            trainer_name=(trainer_name or "").strip(),
            recorded_by=staff,
            recorded_unit=unit,
        )


def competence_withdraw(
    *, staff: Staff, unit: Unit, record: CompetenceRecord, reason: str
) -> CompetenceRecord:
    """A record entered by mistake, or a skill no longer held: withdrawn with the reason,
    never deleted."""
    if not rules.may_record(staff=staff, acting_unit=unit, unit=record.unit):
        raise NotAllowed(_("Din enhet får inte registrera kompetens för den här enheten."))
    reason = (reason or "").strip()
    if not reason:
        raise HemmaError(_("Skriv varför kompetensen tas bort."))
    with transaction.atomic():
        locked = CompetenceRecord.objects.select_for_update().get(pk=record.pk)
        if locked.withdrawn_at is not None:
            raise HemmaError(_("Kompetensen är redan borttagen."))
        locked.withdrawn_at, locked.withdrawn_by = timezone.now(), staff
        locked.withdrawn_reason = reason[:300]
        locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    return locked
