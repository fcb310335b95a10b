"""Recording lab results: entered by the ward or the visiting team (`lab_result_record`),
or received from a lab system client as a FHIR laboratory Observation
(`lab_result_receive`, idempotent by the Observation's identifier). Both ask the access
policy for `record_lab`, check the value against the catalogue (`lab_problems`) and write
the access log."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hemma.accounts.models import Staff, Unit
from hemma.clinical import labs as catalogue
from hemma.episodes.models import Episode
from hemma.episodes.services import episode_log
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.patients.policy import require_action

from .models import LabResult

# Results taken on the ward during the stay that led to the nomination count: a sample may
# be up to this long before the episode was created in Hemma.
BEFORE_EPISODE = timedelta(hours=72)
FUTURE_MARGIN = timedelta(minutes=5)  # clocks differ a little


def lab_problems(
    *, episode: Episode, analyte: str, value: Decimal | None, taken_at: datetime | None, now=None
) -> dict[str, str]:
    """Field name → why the result cannot be stored (Swedish); empty when it can."""
    now = now or timezone.now()
    problems: dict[str, str] = {}
    info = catalogue.analyte_for(analyte)
    if info is None:
        problems["analyte"] = _("Okänd analys.")
    elif value is not None:
        problem = catalogue.value_problem(analyte, value)
        if problem in (catalogue.ValueProblem.LOW, catalogue.ValueProblem.HIGH):
            problems["value"] = _(
                "%(name)s %(value)s %(unit)s är inte rimligt (%(low)s–%(high)s %(unit)s): "
                "kontrollera värdet och enheten."
            ) % {
                "name": info.name,
                "value": catalogue.format_value(value),
                "unit": info.unit,
                "low": catalogue.format_value(info.low),
                "high": catalogue.format_value(info.high),
            }
        elif problem == catalogue.ValueProblem.PRECISION:
            problems["value"] = _("Värdet har fler decimaler än analysen redovisas med.")
    if taken_at is not None:
        if taken_at > now + FUTURE_MARGIN:
            problems["taken_at"] = _("Provtagningstiden ligger i framtiden.")
        elif taken_at < episode.created_at - BEFORE_EPISODE:
            problems["taken_at"] = _("Provet är taget före vårdtillfället.")
    return problems


def _check(episode: Episode, analyte: str, value: Decimal, taken_at: datetime) -> None:
    if not episode.is_open:
        raise NotAllowed(_("Vårdtillfället är avslutat."))
    problems = lab_problems(episode=episode, analyte=analyte, value=value, taken_at=taken_at)
    if problems:
        raise HemmaError(next(iter(problems.values())))


def source_for(unit: Unit) -> str:
    """Entered by a visiting unit: taken at the visit; otherwise on the ward."""
    if unit.kind in Unit.VISITING_KINDS:
        return LabResult.Source.HOME_HEALTH
    return LabResult.Source.WARD


def lab_result_record(
    *,
    staff: Staff,
    unit: Unit,
    episode: Episode,
    analyte: str,
    value: Decimal,
    taken_at: datetime,
) -> LabResult:
    """The ward or the visiting team enters one result (record_lab)."""
    require_action(staff=staff, unit=unit, action="record_lab", episode=episode)
    with transaction.atomic():
        _check(episode, analyte, value, taken_at)
        result = LabResult.objects.create(
            episode=episode,
            analyte=analyte,
            value=value,
            taken_at=taken_at,
            source=source_for(unit),
            entered_by=staff,
            unit=unit,
        )
        episode_log(staff=staff, unit=unit, episode=episode, detail=f"lab result {result.pk}")
    return result


def lab_result_receive(
    *,
    staff: Staff,
    unit: Unit,
    episode: Episode,
    analyte: str,
    value: Decimal,
    taken_at: datetime,
    identifier: tuple[str, str],
) -> tuple[LabResult, bool]:
    """A lab system client (acting through its staff profile for `unit`) sends one result
    as a FHIR Observation: stored once per identifier in the episode; a resend with the
    same content answers the stored result (created False), with other content a Conflict."""
    require_action(staff=staff, unit=unit, action="record_lab", episode=episode)
    system, identifier_value = identifier
    existing = LabResult.objects.filter(
        episode=episode, fhir_system=system, fhir_value=identifier_value
    ).first()
    if existing is not None:
        return _resent(existing, analyte, value, taken_at), False
    _check(episode, analyte, value, taken_at)
    try:
        with transaction.atomic():
            result = LabResult.objects.create(
                episode=episode,
                analyte=analyte,
                value=value,
                taken_at=taken_at,
                source=LabResult.Source.FHIR_LAB,
                entered_by=staff,
                unit=unit,
                fhir_system=system,
                fhir_value=identifier_value,
            )
            episode_log(staff=staff, unit=unit, episode=episode, detail=f"lab result {result.pk}")
    except IntegrityError:  # a concurrent copy of the same Observation won
        existing = LabResult.objects.get(
            episode=episode, fhir_system=system, fhir_value=identifier_value
        )
        return _resent(existing, analyte, value, taken_at), False
    return result, True


def _resent(existing: LabResult, analyte: str, value: Decimal, taken_at: datetime) -> LabResult:
    if (existing.analyte, existing.value, existing.taken_at) != (analyte, value, taken_at):
        raise Conflict(
            _("Identifieraren finns redan för ett annat provsvar: ett nytt svar behöver en ny.")
        )
    return existing
