"""Reads of the shared case (CarePlan, ServiceRequest, Task, Consent, CareTeam) and of
units (Organization) for system clients – the same policy and logging as selectors.py:
rows only of patients the client's unit may read in the health record, a search logs one
entry per patient it returns, a refused or unknown id is a denied entry and a 404."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from hemma.accounts.models import Unit
from hemma.careplans.models import Agreement, AgreementVersion
from hemma.carerequests.models import CareRequest, CareRequestMessage, Medication
from hemma.clinical.identifiers import row_id
from hemma.episodes.models import Consent as EpisodeConsent
from hemma.medication.models import DoseAdministration, MedicationItem, MedicationListVersion
from hemma.monitoring.models import DeviceEnrolment
from hemma.patients.models import CareRelationship, Patient, SharingConsent

from . import case_resources
from . import medication_resources as medication
from .search import SearchError, decode_cursor, encode_cursor, parse_count, parse_reference
from .selectors import (
    Caller,
    Page,
    deny_unknown,
    is_blocked,
    log_search,
    not_blocked,
    one,
    only,
    read_patient,
    visible,
)


@dataclass(frozen=True)
class CaseKind:
    """One resource type of the case: its rows for a set of patients, the patient of a
    row, and how rows become resources (all at once, so related rows are prefetched)."""

    rows: Callable[[QuerySet], QuerySet]
    patient_of: Callable[[object], Patient]
    render: Callable[[list], list[dict]]
    by_encounter: str | None  # the field holding the episode, None: not per episode
    # Blocking (spärr): the (patient, documenting unit) columns of a row that is a unit's
    # documentation, hidden from a client of another care provider when the patient
    # blocked that unit (selectors.not_blocked); None: not blocked (see docs/fhir.md).
    documented_by: tuple[str, str] | None = None
    # Rows a block never hides from this caller (a disclosure to or from its unit).
    exempt: Callable[[Caller], Q] | None = None

    def hidden_rows(self, caller: Caller, rows: QuerySet) -> QuerySet:
        """`rows` without those a block hides from the caller."""
        if not self.documented_by:
            return rows
        exempt = self.exempt(caller) if self.exempt else None
        return not_blocked(caller, rows, *self.documented_by, exempt=exempt)

    def hides(self, caller: Caller, rows: QuerySet) -> bool:
        """Whether a block hides the one row of `rows` from the caller."""
        if not self.documented_by:
            return False
        exempt = self.exempt(caller) if self.exempt else None
        return is_blocked(caller, rows, *self.documented_by, exempt=exempt)


def _sender_or_addressee(caller: Caller) -> Q:
    """A care request is a disclosure from the sending unit to the receiving one: both
    keep it whatever the patient blocked (docs/blocking.md)."""
    return Q(from_unit_id=caller.unit.pk) | Q(to_unit_id=caller.unit.pk)


def _agreements(patients: QuerySet) -> QuerySet:
    return (
        Agreement.objects.filter(episode__patient__in=patients)
        .select_related("episode__patient", "episode__ward")
        .prefetch_related(
            Prefetch("versions", queryset=AgreementVersion.objects.order_by("-number")), "checks"
        )
    )


def _render_care_plans(agreements: list) -> list[dict]:
    rendered = []
    for agreement in agreements:
        versions = {v.number: v for v in agreement.versions.all()}
        version = versions.get(agreement.current_number)
        if version is None:
            continue
        checked = {check.criterion for check in agreement.checks.all()}
        episode = agreement.episode
        rendered.append(
            case_resources.care_plan(agreement, version, episode, episode.patient, checked)
        )
    return rendered


def _care_requests(patients: QuerySet) -> QuerySet:
    return (
        CareRequest.objects.filter(episode__patient__in=patients)
        .select_related("episode__patient", "from_unit", "to_unit", "agreement_version")
        .prefetch_related(Prefetch("medications", queryset=Medication.objects.order_by("pk")))
    )


def _tasks(patients: QuerySet) -> QuerySet:
    messages = CareRequestMessage.objects.order_by("at", "pk")
    return _care_requests(patients).prefetch_related(Prefetch("messages", queryset=messages))


def _consents(patients: QuerySet) -> QuerySet:
    """Both kinds of consent, as one list: episode consents and sharing consents."""
    return SharingConsent.objects.filter(patient__in=patients).select_related("patient")


def _render_consents(sharing: list) -> list[dict]:
    return [case_resources.sharing_consent(consent, consent.patient) for consent in sharing]


def _care_teams(patients: QuerySet) -> QuerySet:
    relationships = CareRelationship.objects.select_related("unit").order_by("started_at", "pk")
    return patients.prefetch_related(Prefetch("care_relationships", queryset=relationships))


def _devices(patients: QuerySet) -> QuerySet:
    return DeviceEnrolment.objects.filter(episode__patient__in=patients).select_related(
        "episode__patient"
    )


def _medication_requests(patients: QuerySet) -> QuerySet:
    """Every item of every version of the medication list, with the current number."""
    current = (
        MedicationListVersion.objects.filter(episode_id=OuterRef("version__episode_id"))
        .values("episode_id")
        .annotate(n=Max("number"))
        .values("n")
    )
    return (
        MedicationItem.objects.filter(version__episode__patient__in=patients)
        .select_related("version__episode__patient", "version__created_by__user")
        .annotate(current_number=Subquery(current))
    )


def _medication_administrations(patients: QuerySet) -> QuerySet:
    """Recorded doses only: a planned dose is the MedicationRequest's timing. A dose is the
    documentation of the unit that recorded it; one the patient recorded, of the ward
    (as the patient's own readings)."""
    return (
        DoseAdministration.objects.filter(episode__patient__in=patients)
        .exclude(status=DoseAdministration.Status.PLANNED)
        .select_related("episode__patient", "recorded_by__user")
        .annotate(documenting_unit_id=Coalesce("recorded_unit_id", "episode__ward_id"))
    )


KINDS: dict[str, CaseKind] = {
    # The agreement is the owning ward's documentation (its `author`).
    "CarePlan": CaseKind(
        _agreements,
        lambda a: a.episode.patient,
        _render_care_plans,
        "episode",
        ("episode__patient_id", "episode__ward_id"),
    ),
    "ServiceRequest": CaseKind(
        _care_requests,
        lambda r: r.episode.patient,
        lambda rows: [
            case_resources.service_request(r, r.episode.patient, r.medications.all()) for r in rows
        ],
        "episode",
        ("episode__patient_id", "from_unit_id"),
        _sender_or_addressee,
    ),
    "Task": CaseKind(
        _tasks,
        lambda r: r.episode.patient,
        lambda rows: [case_resources.task(r, r.episode.patient, r.messages.all()) for r in rows],
        "episode",
        ("episode__patient_id", "from_unit_id"),
        _sender_or_addressee,
    ),
    "Consent": CaseKind(_consents, lambda c: c.patient, _render_consents, None),
    "Device": CaseKind(
        _devices,
        lambda d: d.episode.patient,
        lambda rows: [case_resources.device(d, d.episode.patient) for d in rows],
        None,
    ),
    "MedicationRequest": CaseKind(
        _medication_requests,
        lambda i: i.version.episode.patient,
        lambda rows: [medication.medication_request(i, i.current_number) for i in rows],
        "version__episode",
        # the medication list is the documentation of the unit that saved the version
        ("version__episode__patient_id", "version__unit_id"),
    ),
    "MedicationAdministration": CaseKind(
        _medication_administrations,
        lambda d: d.episode.patient,
        lambda rows: [medication.medication_administration(d) for d in rows],
        "episode",
        ("episode__patient_id", "documenting_unit_id"),
    ),
    "CareTeam": CaseKind(
        _care_teams,
        lambda p: p,
        lambda rows: [case_resources.care_team(p, list(p.care_relationships.all())) for p in rows],
        None,
    ),
}
PATIENT_FIELD = {
    "CarePlan": "episode__patient_id",
    "ServiceRequest": "episode__patient_id",
    "Task": "episode__patient_id",
    "Consent": "patient_id",
    "CareTeam": "pk",
    "Device": "episode__patient_id",
    "MedicationRequest": "version__episode__patient_id",
    "MedicationAdministration": "episode__patient_id",
}


def _episode_consents(patients: QuerySet, patient_id=None) -> list[dict]:
    consents = EpisodeConsent.objects.filter(episode__patient__in=patients).select_related(
        "episode__patient"
    )
    if patient_id is not None:
        consents = consents.filter(episode__patient_id=patient_id)
    return [case_resources.episode_consent(c, c.episode.patient) for c in consents]


def case_search(caller: Caller, resource_type: str, params) -> Page:
    kind = KINDS[resource_type]
    allowed = {"patient", "subject", "_count", "_cursor"}
    if kind.by_encounter:
        allowed.add("encounter")
    only(params, allowed)
    count = parse_count(one(params, "_count"))
    rows = kind.hidden_rows(caller, kind.rows(visible(caller))).order_by("pk")
    patient_id = None
    for name in ("patient", "subject"):
        if (value := one(params, name)) is not None:
            patient_id = parse_reference(name, value, "Patient")
            rows = rows.filter(**{PATIENT_FIELD[resource_type]: patient_id})
    if kind.by_encounter and (value := one(params, "encounter")) is not None:
        rows = rows.filter(
            **{f"{kind.by_encounter}_id": parse_reference("encounter", value, "Encounter")}
        )
    cursor = one(params, "_cursor")
    if cursor is not None:
        last = decode_cursor(cursor, 1)[0]
        key_kind = "Patient" if resource_type == "CareTeam" else "Encounter"  # UUID or number
        rows = rows.filter(pk__gt=parse_reference("_cursor", last, key_kind))
    found = list(rows[: count + 1])
    shown = found[:count]
    log_search(caller, [kind.patient_of(row) for row in shown], f"FHIR {resource_type} search")
    resources = kind.render(shown)
    if resource_type == "Consent" and cursor is None:
        # Episode consents are few (one per episode): they come with the first page.
        resources = _episode_consents(visible(caller), patient_id) + resources
    return Page(resources, encode_cursor(shown[-1].pk) if len(found) > count else None)


def case_read(caller: Caller, resource_type: str, resource_id: str) -> dict:
    kind = KINDS[resource_type]
    rows = kind.rows(Patient.objects.all())
    row = None
    if resource_type == "Consent" and resource_id.startswith("episode-"):
        return _episode_consent_read(caller, resource_id)
    key = resource_id.removeprefix("sharing-") if resource_type == "Consent" else resource_id
    if resource_type == "CareTeam":
        try:
            row = rows.filter(pk=parse_reference("id", key, "Patient")).first()
        except SearchError:
            row = None
    elif row_id(key):
        row = rows.filter(pk=row_id(key)).first()
    if row is None or kind.hides(caller, rows.filter(pk=row.pk)):
        deny_unknown(caller, f"FHIR {resource_type}/{resource_id}")
    read_patient(caller, kind.patient_of(row).pk, f"FHIR {resource_type}/{resource_id}")
    return kind.render([row])[0]


def _episode_consent_read(caller: Caller, resource_id: str) -> dict:
    episode_id = resource_id.removeprefix("episode-")
    consent = (
        EpisodeConsent.objects.select_related("episode__patient")
        .filter(episode_id=row_id(episode_id))
        .first()
        if row_id(episode_id)
        else None
    )
    if consent is None:
        deny_unknown(caller, f"FHIR Consent/{resource_id}")
    read_patient(caller, consent.episode.patient_id, f"FHIR Consent/{resource_id}")
    return case_resources.episode_consent(consent, consent.episode.patient)


def patient_case_for(caller: Caller, patient_id: str) -> list[dict]:
    """Everything of the case for one patient whose read was already granted and logged
    ($everything): the agreement, care requests and their handling, consents, care team –
    without what a block hides from the caller."""
    patients = Patient.objects.filter(pk=patient_id)
    found = []
    for resource_type, kind in KINDS.items():
        rows = kind.hidden_rows(caller, kind.rows(patients))
        found += kind.render(list(rows.order_by("pk")))
        if resource_type == "Consent":
            found += _episode_consents(patients)
    return found


# --- Organization: units carry no patient data -------------------------------------------


def organization_read(unit_id: str) -> dict | None:
    unit = (
        Unit.objects.select_related("organisation").filter(pk=row_id(unit_id)).first()
        if row_id(unit_id)
        else None
    )
    return case_resources.organization(unit) if unit else None


def organization_search(params) -> Page:
    only(params, {"identifier", "name", "_count", "_cursor"})
    count = parse_count(one(params, "_count"))
    units = Unit.objects.select_related("organisation").order_by("pk")
    if (identifier := one(params, "identifier")) is not None:
        units = units.filter(hsa_id=identifier.rpartition("|")[2])
    if (name := one(params, "name")) is not None:
        units = units.filter(name__icontains=name)
    if (cursor := one(params, "_cursor")) is not None:
        units = units.filter(
            pk__gt=parse_reference("_cursor", decode_cursor(cursor, 1)[0], "Encounter")
        )
    found = list(units[: count + 1])
    shown = found[:count]
    return Page(
        [case_resources.organization(u) for u in shown],
        encode_cursor(shown[-1].pk) if len(found) > count else None,
    )


# --- CarePlan versions: vread and _history -----------------------------------------------


def care_plan_versions(caller: Caller, agreement_id: str) -> list[dict]:
    """Every version of the agreement, newest first, each as the CarePlan it was."""
    if row_id(agreement_id) is None:
        deny_unknown(caller, f"FHIR CarePlan/{agreement_id}/_history")
    agreements = _agreements(Patient.objects.all()).filter(pk=row_id(agreement_id))
    agreement = agreements.first()
    if agreement is None or KINDS["CarePlan"].hides(caller, agreements):
        deny_unknown(caller, f"FHIR CarePlan/{agreement_id}/_history")
    episode = agreement.episode
    read_patient(caller, episode.patient_id, f"FHIR CarePlan/{agreement_id}/_history")
    checked = {check.criterion for check in agreement.checks.all()}
    return [
        case_resources.care_plan(agreement, version, episode, episode.patient, checked)
        for version in agreement.versions.all()  # newest first (prefetched so)
    ]
