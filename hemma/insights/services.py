"""Follow-up: economic settings (managers edit them, every change recorded), the
simulator's saved scenarios and imports from the data warehouse.

Every use case takes the acting staff member and unit as keyword-only `staff=` and
`unit=`; the unit's organisation is the scope (its settings, scenarios and imported rows)."""

import hashlib
import hmac
from dataclasses import asdict

from django.conf import settings as django_settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from hemma.accounts.models import Membership, Organisation, Staff, Unit
from hemma.coordination.models import DischargeCase
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.jobs.models import Job
from hemma.jobs.services import job_enqueue

from . import imports, simulation
from .models import (
    AdmissionRecord,
    EconomicsSettings,
    EdVisitRecord,
    ImportBatch,
    ListedPopulation,
    Scenario,
    WardBedDays,
)

EDITABLE = (
    "kpp_ed_visit_cost",
    "kpp_source",
    "overhead_share",
    "overhead_source",
    "bed_day_cost",
    "bed_day_source",
    "home_day_cost",
    "home_day_source",
    "short_term_housing_day_cost",
    "short_term_housing_source",
)
MAX_REPLICATIONS = 200


def economics_for(organisation: Organisation) -> EconomicsSettings:
    settings, _created = EconomicsSettings.objects.get_or_create(organisation=organisation)
    return settings


def is_manager(staff: Staff, organisation: Organisation) -> bool:
    return Membership.objects.filter(
        staff=staff, unit__organisation=organisation, role=Membership.Role.MANAGER
    ).exists()


@transaction.atomic
def economics_save(*, staff: Staff, unit: Unit, values: dict) -> EconomicsSettings:
    organisation = unit.organisation
    if not is_manager(staff, organisation):
        raise NotAllowed(_("Bara chefer i organisationen ändrar de ekonomiska antagandena."))
    settings = EconomicsSettings.objects.select_for_update().get(pk=economics_for(organisation).pk)
    for name in EDITABLE:
        if name in values:
            setattr(settings, name, values[name])
    settings.updated_by = staff
    settings.full_clean()
    settings.save()
    return settings


MIN_HISTORY = 30


def ward_history(ward, now=None) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Arrivals per weekday and lengths of stay (days) from the ward's last year of
    admissions and discharges (lag 2017:612 cases). Too little history is an error."""
    from datetime import timedelta

    from django.utils import timezone

    now = now or timezone.now()
    since = now - timedelta(days=365)
    stays = list(
        DischargeCase.objects.filter(
            ward=ward, admitted_at__gte=since, discharged_at__isnull=False
        ).values_list("admitted_at", "discharged_at")
    )
    if len(stays) < MIN_HISTORY:
        raise HemmaError(
            _(
                "För lite historik: %(n)s avslutade vårdtillfällen senaste året, "
                "minst %(min)s behövs."
            )
            % {"n": len(stays), "min": MIN_HISTORY}
        )
    weeks = 365 / 7
    per_weekday = [0] * 7
    for admitted, _discharged in stays:
        per_weekday[timezone.localtime(admitted).weekday()] += 1
    arrivals = tuple(round(n / weeks, 3) for n in per_weekday)
    lengths = tuple(max(0.25, (d - a).total_seconds() / 86400) for a, d in stays)
    return arrivals, lengths


def run(params: simulation.WardParameters, replications: int, seed: int = 1):
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise HemmaError(_("Välj mellan 1 och %(max)s upprepningar.") % {"max": MAX_REPLICATIONS})
    return simulation.replicate(params, replications=replications, seed=seed)


def summary_as_json(summary: simulation.Summary) -> dict:
    estimates = {
        name: asdict(getattr(summary, name))
        for name in (
            "mean_occupancy",
            "days_over_capacity",
            "home_bed_days",
            "home_share",
            "at_home_mean",
            "at_home_peak",
            "cost",
        )
    }
    return {
        "replications": summary.replications,
        "estimates": estimates,
        "home_percent": round(summary.home_share.mean * 100, 2),
        "occupancy_by_day": [round(v, 2) for v in summary.occupancy_by_day],
        "at_home_by_day": [round(v, 2) for v in summary.at_home_by_day],
    }


@transaction.atomic
def scenario_save(
    *, staff: Staff, unit: Unit, name: str, params: simulation.WardParameters, summary
) -> Scenario:
    name = name.strip()
    if not name:
        raise HemmaError(_("Ge scenariot ett namn."))
    try:
        with transaction.atomic():
            return Scenario.objects.create(
                organisation=unit.organisation,
                name=name,
                parameters={
                    k: list(v) if isinstance(v, tuple) else v for k, v in asdict(params).items()
                },
                results=summary_as_json(summary),
                created_by=staff,
            )
    except IntegrityError:
        raise Conflict(
            _("Det finns redan ett scenario som heter %(name)s.") % {"name": name}
        ) from None


@transaction.atomic
def scenario_delete(*, staff: Staff, unit: Unit, scenario: Scenario) -> None:
    if scenario.organisation_id != unit.organisation_id:
        raise NotAllowed(_("Scenariot hör till en annan organisation."))
    if scenario.created_by_id != staff.pk and not is_manager(staff, scenario.organisation):
        raise NotAllowed(_("Bara den som sparade scenariot eller en chef kan ta bort det."))
    scenario.delete()


# --- Imports from the data warehouse ---------------------------------------------------------

CHUNK = 1_000


def pseudonym(person: str) -> str:
    """A keyed pseudonym: the same person gives the same key (so re-imports do not
    duplicate and visits can be counted per person), the number itself is never stored."""
    normalised = "".join(ch for ch in person.casefold() if ch.isalnum())
    key = (django_settings.HEMMA_PSEUDONYM_KEY or django_settings.SECRET_KEY).encode()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def _count(model, organisation) -> int:
    return model.objects.filter(organisation=organisation).count()


def _store(model, objects, stored=None, **conflict) -> None:
    """In chunks, each its own short transaction: a large file never holds the database
    (SQLite has one writer at a time) while colleagues wait to save."""
    for start in range(0, len(objects), CHUNK):
        with transaction.atomic():
            model.objects.bulk_create(objects[start : start + CHUNK], **conflict)
        if stored:
            stored(min(start + CHUNK, len(objects)), len(objects))


def import_request(*, staff: Staff, unit: Unit, kind: str, file_name: str, text: str):
    """Hand an uploaded file to the worker (`hemma monitor`): the page answers at once and
    polls the import's progress. The header is checked at once (a wrong file is told
    straight away); the rows are read and stored by the job (`insights.jobs`)."""

    if not is_manager(staff, unit.organisation):
        raise NotAllowed(_("Bara chefer i organisationen läser in underlag."))
    if kind not in ImportBatch.Kind.values:
        raise HemmaError(_("Okänd sorts underlag."))
    try:
        imports.check_header(text, kind)
    except imports.BadFile as error:
        raise HemmaError(_("Filen kan inte läsas: %(error)s") % {"error": error}) from None
    return job_enqueue(
        staff=staff,
        unit=unit,
        kind=Job.Kind.INSIGHTS_IMPORT,
        params={
            "kind": kind,
            "file_name": file_name[:255],
            "rows": max(0, len(text.splitlines()) - 1),
        },
        attachment=(file_name, text),
    )


def import_file(
    *,
    staff: Staff,
    unit: Unit,
    kind: str,
    file_name: str,
    text: str,
    progress=None,
    stored=None,
) -> ImportBatch:
    """Store a file's good rows (bad rows are listed by line). Importing the same rows again
    adds nothing: visits are unique per person and day, population and bed-day figures per
    centre/ward and month, stays (admissions) per person, admission day and ward (a newer
    figure or stay – its discharge day, centre, age, hospital-at-home flag – replaces the
    old).

    The file is read outside any transaction and stored in chunks (`_store`); a file
    stopped half-way (the worker died) is imported again whole, the rows already stored
    counting as already there. `progress(line)` follows the reading, `stored(n, of)` the
    storing. The rows are the acting unit's organisation's."""
    organisation = unit.organisation
    if not is_manager(staff, organisation):
        raise NotAllowed(_("Bara chefer i organisationen läser in underlag."))
    try:
        parsed = imports.parse(text, kind, progress)
    except imports.BadFile as error:
        raise HemmaError(_("Filen kan inte läsas: %(error)s") % {"error": error}) from None
    if kind == ImportBatch.Kind.ED_VISITS:
        model = EdVisitRecord
        objects = [
            EdVisitRecord(
                organisation=organisation,
                person_key=pseudonym(r.person),
                visited_on=r.visited_on,
                month=r.visited_on.replace(day=1),
                age=r.age,
                centre=r.centre,
                municipality=r.municipality,
            )
            for r in parsed.rows
        ]
        conflict = {"ignore_conflicts": True}
    elif kind == ImportBatch.Kind.POPULATION:
        model = ListedPopulation
        objects = [
            ListedPopulation(
                organisation=organisation,
                centre=r.centre,
                municipality=r.municipality,
                month=r.month,
                age_band=r.age_band,
                count=r.count,
            )
            for r in parsed.rows
        ]
        conflict = {
            "update_conflicts": True,
            "unique_fields": ["organisation", "centre", "month", "age_band"],
            "update_fields": ["count", "municipality"],
        }
    elif kind == ImportBatch.Kind.ADMISSIONS:
        model = AdmissionRecord
        objects = _admissions(organisation, parsed.rows)
        conflict = {
            "update_conflicts": True,
            "unique_fields": ["organisation", "person_key", "admitted_on", "ward"],
            "update_fields": [
                "discharged_on",
                "centre",
                "municipality",
                "age",
                "hospital_at_home",
            ],
        }
    elif kind == ImportBatch.Kind.BED_DAYS:
        model = WardBedDays
        objects = [
            WardBedDays(organisation=organisation, ward=r.ward, month=r.month, bed_days=r.bed_days)
            for r in parsed.rows
        ]
        conflict = {
            "update_conflicts": True,
            "unique_fields": ["organisation", "ward", "month"],
            "update_fields": ["bed_days"],
        }
    else:
        raise HemmaError(_("Okänd sorts underlag."))
    before = _count(model, organisation)
    _store(model, objects, stored, **conflict)
    new = _count(model, organisation) - before
    return _batch_record(
        staff=staff,
        organisation=organisation,
        kind=kind,
        file_name=file_name,
        text=text,
        parsed=parsed,
        new=new,
        rows=len(parsed.rows),
    )


def _admissions(organisation, rows) -> list[AdmissionRecord]:
    """One object per stay (person, admission day, ward): a stay twice in the file is
    stored once, as its last line says (one row cannot be updated twice in one insert)."""
    stays = {}
    for r in rows:
        key = pseudonym(r.person)
        stays[(key, r.admitted_on, r.ward)] = AdmissionRecord(
            organisation=organisation,
            person_key=key,
            admitted_on=r.admitted_on,
            discharged_on=r.discharged_on,
            ward=r.ward,
            centre=r.centre,
            municipality=r.municipality,
            age=r.age,
            hospital_at_home=r.hospital_at_home,
        )
    return list(stays.values())


@transaction.atomic
def _batch_record(*, staff, organisation, kind, file_name, text, parsed, new, rows) -> ImportBatch:
    return ImportBatch.objects.create(
        organisation=organisation,
        kind=kind,
        file_name=file_name[:255],
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        lines=parsed.lines,
        imported=new,
        duplicates=rows - new,
        errors=parsed.errors[:1000],
        by=staff,
    )
