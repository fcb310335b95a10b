"""The policy matrix: every URL pattern × every role × every situation, GET and POST.

The URL patterns are discovered from the URL configuration: a view without an entry in
URLS fails the first test, so nothing new can bypass the matrix. The demo region gives
every object a page can show (episodes in each state, care requests, logistics, cases,
tasks, visits, alerts, referrals); the roles are the demo users plus a nurse of another
ward. Each situation changes the care relationships of every demo patient:

- relationship: as loaded;
- consent_revoked: every patient revokes region–municipality sharing;
- no_relationship: only the ward keeps its relationships (others ended a month ago);
- beyond_grace: every relationship ended a month ago (beyond the 14-day grace).

For a patient's object the oracle is the access policy (`decide_patient_access`, and
`may_do` for an episode action): the matrix checks that every view obeys it. What the
policy itself decides is stated by hand in test_the_policy_decides_as_the_law_says and
in each app's test_policy_*.py. A refusal must be a 403/404 (405 for a wrong method),
show none of the patient's identifying data, write a DENIED access-log entry and change
nothing. A list page must never show a patient the role may not see.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.demo.data import STAFF
from hemma.patients import policy
from hemma.patients.models import CareRelationship, Patient, SharingConsent
from tests.outsiders import other_ward_member

pytestmark = pytest.mark.django_db

NAMED_ROLES = {
    "ward_nurse": "anna.ssk",
    "physician": "erik.lak",
    "other_ward": "other.ssk",
    "municipal_nurse": "karin.hsv",
    "assistant_nurse": "maja.usk",
    "home_care": "ali.ht",
    "primary_care": "peter.vk",
    "ambulance": "olle.amb",
    "other_admin": "admin.kommun",
}
ROLES = NAMED_ROLES
if os.environ.get("HEMMA_MATRIX_EVERY_USER"):
    # The scripted attack: every demo user (slow; run by hand, see docs/architecture.md).
    ROLES = {username: username for username in STAFF} | {"other_ward": "other.ssk"}
SITUATIONS = ["relationship", "consent_revoked", "no_relationship", "beyond_grace"]
CRAFTED_POST = {
    "reason": "matrix",
    "note": "matrix",
    "text": "matrix",
    "name": "Matrix",
    "relation": "vän",
    "phone": "070-1740690",
}


@dataclass(frozen=True)
class Spec:
    """How to exercise one URL pattern.

    kind: "public" (no login, no patient data), "device" (the patient's tablet and the FHIR
    API: a device token, never a staff session), "system" (the FHIR API of system
    clients: a SMART backend-services token, never a staff session), "staff" (a staff
    page without a patient in the URL: a list, a tool), "patient" (an object of one
    patient), "admin", "review"
    (log review: shows log entries of patients by design, to log reviewers only),
    "shared" (an object of several patients, like a coordination meeting: GET is checked
    as a list, POST by `do`).
    sample(demo) → (patient, url kwargs) for "patient" specs.
    scope: "hsl" needs the health record; "sol" is open to a home-care unit too.
    do: who may POST – an EPISODE_ACTIONS name, or a function(ctx) → bool, or None
    (whoever may see may post; the view's own form rules apply).
    """

    kind: str
    sample: Callable | None = None
    scope: str = "hsl"
    do: str | Callable | None = None
    see: Callable | None = None  # a condition on top of the patient (e.g. sender or receiver)


def _episode(state):
    return lambda demo: _of(demo["episodes"][state])


def _of(episode, **extra):
    return episode.patient, {"episode_id": episode.pk, **extra}


def _model(label):
    return apps.get_model(label)


def _care_request(to_kind):
    def sample(demo):
        request = (
            _model("carerequests.CareRequest")
            .objects.filter(to_unit__kind=to_kind, episode__patient__in=demo["patients"])
            .select_related("episode__patient")
            .order_by("pk")
            .first()
        )
        return request.episode.patient, {"request_id": request.pk}

    return sample


def _care_request_act(action, to_kind="home_health_care"):
    def sample(demo):
        patient, kwargs = _care_request(to_kind)(demo)
        return patient, {**kwargs, "action": action}

    return sample


def _receiver_of_request(ctx) -> bool:
    return ctx.unit.pk == ctx.obj_unit_id


def _sender_or_receiver(ctx) -> bool:
    request = _model("carerequests.CareRequest").objects.get(pk=ctx.kwargs["request_id"])
    return ctx.unit.pk in (request.from_unit_id, request.to_unit_id)


def _meeting_participant(ctx) -> bool:
    meeting = ctx.demo["meeting"]
    return ctx.sees_hsl and ctx.unit.pk in (meeting.primary_care_id, meeting.home_health_id)


def _first(label, patient_path, **filters):
    def sample(demo):
        obj = (
            _model(label)
            .objects.filter(**{f"{patient_path}__in": demo["patients"]}, **filters)
            .order_by("pk")
            .first()
        )
        patient = obj
        for part in patient_path.split("__"):
            patient = getattr(patient, part)
        return patient, obj

    return sample


def _with(sample_object, key, **extra):
    def sample(demo):
        patient, obj = sample_object(demo)
        return patient, {key: obj.pk, **extra}

    return sample


def _lisa(**extra):
    return lambda demo: (demo["lisa"], {"patient_id": demo["lisa"].pk, **extra})


def _case(action=None):
    def sample(demo):
        case = _model("coordination.DischargeCase").objects.filter(pk=demo["case"].pk).get()
        return case.patient, {"case_id": case.pk, **({"action": action} if action else {})}

    return sample


def _meeting(action=None):
    def sample(demo):
        meeting = demo["meeting"]
        kwargs = {"meeting_id": meeting.pk, **({"action": action} if action else {})}
        return demo["lisa"], kwargs

    return sample


AT_HOME = _episode("at_home")

URLS: dict[str, Spec] = {
    # public and device
    "login": Spec("public"),
    "logout": Spec("public"),
    "oidc_authentication_init": Spec("public"),
    "oidc_authentication_callback": Spec("public"),
    "set_language": Spec("public"),
    "healthz": Spec("public"),
    "readyz": Spec("public"),
    # Prometheus's scrape: every role's session gets 404 (no HEMMA_METRICS_TOKEN here) or
    # 401 (a session is not the token), never a figure (tests/web/test_metrics.py).
    "metrics": Spec("staff"),
    "robots.txt": Spec("public"),
    "favicon.ico": Spec("public"),
    "monitoring:patient_home": Spec("device"),
    "monitoring:patient_start": Spec("device"),
    "monitoring:patient_submit": Spec("device"),
    "monitoring:patient_csrf": Spec("device"),
    "monitoring:fhir_bundle": Spec("device"),
    "monitoring:fhir_slash": Spec("device"),
    "monitoring:fhir_observation": Spec("device"),
    "monitoring:fhir_not_found": Spec("device"),
    "monitoring:device_token": Spec("device"),
    # The FHIR API of system clients: a SMART backend-services token, never a staff
    # session; its policy through FHIR is tested in tests/fhirapi/test_policy.py.
    "fhirapi:metadata": Spec("system"),
    "fhirapi:smart": Spec("system"),
    "fhirapi:token": Spec("system"),
    "fhirapi:patient_type": Spec("system"),
    "fhirapi:patient": Spec("system"),
    "fhirapi:patient_everything": Spec("system"),
    "fhirapi:encounter_type": Spec("system"),
    "fhirapi:encounter": Spec("system"),
    "fhirapi:observation_type": Spec("system"),
    "fhirapi:observation": Spec("system"),
    "fhirapi:careplan_history": Spec("system"),
    "fhirapi:careplan_vread": Spec("system"),
    **{
        f"fhirapi:{name}{suffix}": Spec("system")
        for name in (
            "organization",
            "careplan",
            "servicerequest",
            "task",
            "consent",
            "careteam",
            "auditevent",
            "practitioner",
            "practitionerrole",
            "device",
            "medicationrequest",
            "medicationadministration",
        )
        for suffix in ("", "_type")
    },
    # vread and _history of every type but CarePlan (above): the same token and policy.
    **{
        f"fhirapi:{name}{suffix}": Spec("system")
        for name in (
            "patient",
            "encounter",
            "observation",
            "servicerequest",
            "task",
            "consent",
            "careteam",
            "device",
            "organization",
            "practitioner",
            "practitionerrole",
            "auditevent",
            "medicationrequest",
            "medicationadministration",
        )
        for suffix in ("_history", "_vread")
    },
    # Setting up the region (hemma.setup): administrators, and a ward's manager for its
    # safety places; no patient data.
    "setup:start": Spec("staff"),
    "setup:hsa_import": Spec("staff"),
    "setup:safety_beds": Spec("staff"),
    "setup:safety_bed_add": Spec("staff"),
    "setup:safety_bed_service": Spec("staff"),
    "admin": Spec("admin"),
    # staff pages: lists and tools
    "home": Spec("staff"),
    "switch_unit": Spec("staff"),
    "patients:list": Spec("staff"),
    "patients:register": Spec("staff"),
    "patients:emergency_access": Spec("staff"),
    "episodes:worklist": Spec("staff"),
    "careplans:templates": Spec("staff"),
    "careplans:template_new": Spec("staff"),
    "careplans:template_edit": Spec("staff"),
    "careplans:template_copy": Spec("staff"),
    "carerequests:inbox": Spec("staff"),
    "coordination:worklist": Spec("staff"),
    "coordination:directory": Spec("staff"),
    "coordination:directory_new": Spec("staff"),
    "coordination:directory_stats": Spec("staff"),
    "coordination:directory_entry": Spec("staff"),
    "coordination:directory_edit": Spec("staff"),
    "coordination:temporary_visit": Spec("staff"),
    "coordination:meetings": Spec("staff"),
    # Issue 17: recurring meetings (units and times only; the series id in the POST).
    "coordination:meeting_series": Spec("staff"),
    "coordination:meeting_series_end": Spec("staff"),
    "visits:planner": Spec("staff"),
    "visits:generate": Spec("staff"),
    "visits:plan": Spec("staff"),
    "visits:shift_add": Spec("staff"),
    "visits:shift_remove": Spec("staff"),
    "visits:add": Spec("staff"),
    "visits:run_sheet": Spec("staff"),
    "insights:dashboard": Spec("staff"),
    "insights:dashboard_csv": Spec("staff"),
    "insights:dashboard_xlsx": Spec("staff"),
    "insights:economics": Spec("staff"),
    "insights:simulator": Spec("staff"),
    "insights:imports": Spec("staff"),
    "insights:scenario_delete": Spec("staff"),
    "jobs:status": Spec("staff"),
    "monitoring:alerts": Spec("staff"),
    "monitoring:alerts_panel": Spec("staff"),
    "monitoring:duty": Spec("staff"),
    "monitoring:roster": Spec("staff"),
    "monitoring:round": Spec("staff"),
    # Issue 18: the ambulance unit's list of consenting patients at home (Scope.AMBULANCE;
    # any other unit gets a 403).
    "ambulance:list": Spec("staff"),
    "audit:review": Spec("review"),
    "audit:extract": Spec("review"),
    "audit:emergency_review": Spec("review"),
    "audit:admin_log": Spec("review"),
    # one patient's objects
    "patients:detail": Spec("patient", _lisa(), scope="sol"),
    "patients:edit": Spec("patient", _lisa()),
    "patients:next_of_kin_add": Spec("patient", _lisa()),
    "patients:next_of_kin_remove": Spec(
        "patient",
        lambda demo: (
            demo["lisa"],
            {"patient_id": demo["lisa"].pk, "kin_id": demo["lisa"].next_of_kin.first().pk},
        ),
    ),
    "patients:care_team_add": Spec(
        "patient",
        _lisa(),
        do=lambda ctx: policy.may_add_to_care_team(
            staff=ctx.staff, unit=ctx.unit, patient=ctx.patient
        ),
    ),
    "patients:care_team_end": Spec(
        "patient",
        lambda demo: (
            demo["lisa"],
            {"patient_id": demo["lisa"].pk, "relationship_id": demo["ward_relationship"].pk},
        ),
        do=lambda ctx: policy.may_end_relationship(
            staff=ctx.staff, unit=ctx.unit, relationship=ctx.demo["ward_relationship"]
        ),
    ),
    "patients:sharing_consent": Spec("patient", _lisa(action="revoke")),
    # Issue 18: the consent to the ambulance being informed: the managing unit records it.
    "patients:ambulance_consent": Spec(
        "patient",
        _lisa(action="revoke"),
        do=lambda ctx: policy.may_manage_care_team(
            staff=ctx.staff, unit=ctx.unit, patient=ctx.patient
        ),
    ),
    # blocking (spärr): the sharing consent's rule records and lifts; whoever reads the
    # health record may open blocked information, with the patient's consent (the form)
    "patients:block_add": Spec(
        "patient",
        _lisa(),
        do=lambda ctx: policy.may_manage_blocks(
            staff=ctx.staff, unit=ctx.unit, patient=ctx.patient
        ),
    ),
    "patients:block_lift": Spec(
        "patient",
        _lisa(block_id=999999),
        do=lambda ctx: policy.may_manage_blocks(
            staff=ctx.staff, unit=ctx.unit, patient=ctx.patient
        ),
    ),
    "patients:block_open": Spec("patient", _lisa()),
    "episodes:flag": Spec(
        "patient", _lisa(), do=lambda ctx: ctx.unit.kind == Unit.Kind.WARD and ctx.sees_hsl
    ),
    "episodes:referral_read": Spec(
        "patient",
        _with(_first("episodes.Referral", "episode__patient"), "referral_id"),
        do="read_referral",
    ),
    "episodes:detail": Spec("patient", AT_HOME),
    "episodes:act": Spec(
        "patient", lambda demo: _of(demo["episodes"]["at_home"], action="readmit"), do="readmit"
    ),
    "careplans:agreement": Spec("patient", AT_HOME),
    "careplans:create": Spec("patient", _episode("agreed"), do="edit_agreement"),
    "careplans:revise": Spec("patient", AT_HOME, do="edit_agreement"),
    "careplans:version": Spec(
        "patient", lambda demo: _of(demo["episodes"]["at_home"], number=1), do="edit_agreement"
    ),
    "careplans:print": Spec("patient", AT_HOME),
    "careplans:criterion": Spec("patient", AT_HOME, do="mark_criterion"),
    "careplans:given": Spec("patient", AT_HOME, do="edit_agreement"),
    "carerequests:new": Spec("patient", AT_HOME, do="send_care_request"),
    "carerequests:detail": Spec(
        "patient", _care_request("home_health_care"), see=_sender_or_receiver
    ),
    "carerequests:act": Spec(
        "patient", _care_request_act("accept", "home_care"), scope="sol", do=_receiver_of_request
    ),
    "carerequests:logistics": Spec("patient", AT_HOME, do="order_logistics"),
    "carerequests:advance": Spec(
        "patient",
        _with(_first("carerequests.LogisticsOrder", "episode__patient"), "order_id"),
        do="deliver_logistics",
    ),
    "coordination:open": Spec("patient", _lisa()),
    "coordination:frailty": Spec("patient", _lisa()),
    "coordination:meeting": Spec("shared", _meeting()),
    "coordination:meeting_act": Spec("patient", _meeting("note"), do=_meeting_participant),
    # Issue 17: a participant adds a patient it may list to the agenda (patient in the POST).
    "coordination:meeting_agenda_add": Spec("patient", _meeting(), do=_meeting_participant),
    "coordination:task_done": Spec(
        "patient",
        _with(_first("coordination.Task", "episode__patient", status="open"), "task_id"),
        do=lambda ctx: ctx.unit.pk == ctx.obj_unit_id and ctx.sees_hsl,
    ),
    "coordination:case": Spec("patient", _case()),
    "coordination:sip_plan": Spec("patient", _case()),
    "coordination:act": Spec("patient", _case("estimate")),
    # Issue 17: the episode page's notice (lag 2017:612), sent as a message of its case.
    "coordination:episode_notice": Spec("patient", AT_HOME, do="notice"),
    "visits:move": Spec(
        "patient",
        _with(_first("visits.Visit", "episode__patient"), "visit_id"),
        do="plan_visits",
    ),
    "visits:cancel": Spec(
        "patient",
        _with(_first("visits.Visit", "episode__patient"), "visit_id"),
        do="plan_visits",
    ),
    "visits:arrive": Spec(
        "patient",
        _with(_first("visits.Visit", "episode__patient"), "visit_id"),
        do="record_visit",
    ),
    "visits:done": Spec(
        "patient",
        _with(_first("visits.Visit", "episode__patient"), "visit_id"),
        do="record_visit",
    ),
    # Issue 18: documenting a visit (done / not done, note, concern): its page opens only
    # to the staff on the visit, for the visiting unit.
    "visits:document": Spec(
        "patient",
        _with(_first("visits.Visit", "episode__patient"), "visit_id"),
        do="record_visit",
        see=lambda ctx: (
            _model("visits.Assignment")
            .objects.filter(visit_id=ctx.kwargs["visit_id"], staff=ctx.staff, visit__unit=ctx.unit)
            .exists()
        ),
    ),
    "monitoring:episode": Spec("patient", AT_HOME),
    "monitoring:device_qr": Spec("patient", AT_HOME, do="enrol_device"),
    "monitoring:act": Spec(
        "patient",
        lambda demo: _of(demo["episodes"]["at_home"], action="record"),
        do="record_reading",
    ),
    "monitoring:device_revoke": Spec(
        "patient",
        _with(_first("monitoring.DeviceEnrolment", "episode__patient"), "device_id"),
        do="enrol_device",
    ),
    "monitoring:alert_act": Spec(
        "patient",
        lambda demo: (lambda pa: (pa[0], {"alert_id": pa[1].pk, "action": "ack"}))(
            _first("monitoring.Alert", "episode__patient")(demo)
        ),
        do="acknowledge_alert",
    ),
    "monitoring:round_record": Spec("patient", AT_HOME, do="round"),
    # Issue 18: medication at home – the list and its versions (every unit reading the
    # health record), a new version, the course's end or the switch to tablets (the ward's
    # physician), a dose recorded (the visiting team or the ward); the tablet's dose page.
    "medication:episode": Spec("patient", AT_HOME),
    "medication:change": Spec("patient", AT_HOME, do="change_medication"),
    "medication:item_act": Spec(
        "patient",
        _with(
            _first("medication.MedicationItem", "version__episode__patient"),
            "item_id",
            action="end",
        ),
        do="change_medication",
    ),
    "medication:dose_record": Spec(
        "patient",
        _with(_first("medication.DoseAdministration", "episode__patient"), "dose_id"),
        do="record_dose",
    ),
    "medication:patient_doses": Spec("device"),
    "medication:patient_dose_record": Spec("device"),
    # Issue 18: an episode's 112 calls and ambulance missions: the health record's readers
    # and the ambulance (its own scope) read them; the ward or the ambulance records one.
    "ambulance:contact": Spec(
        "patient",
        AT_HOME,
        scope="sol",
        do="record_ambulance_contact",
        see=lambda ctx: ctx.decision.ambulance_summary,
    ),
    # Issue 18: the episode's lab results (GET) and a result entered (POST, record_lab).
    "labs:episode": Spec("patient", AT_HOME, do="record_lab"),
    # Issue 18: the patient's leaflet (GET only: whoever reads the health record) and
    # training checklist (POST: train_patient, the ward or the visiting team); a visiting
    # unit's competence record (staff, no patient: its own staff and the wards that send it
    # patients read it, the ward or its manager records; anyone else a 403).
    "competence:leaflet": Spec("patient", AT_HOME),
    "competence:training": Spec("patient", AT_HOME, do="train_patient"),
    "competence:units": Spec("staff"),
    "competence:unit": Spec("staff"),
    "competence:withdraw": Spec("staff"),
    # Issue 18: secure messages – the thread (GET: whoever reads the health record; POST:
    # the ward's answer, message_patient), the ward's inbox and response times, the tablet.
    "messaging:thread": Spec("patient", AT_HOME, do="message_patient"),
    "messaging:inbox": Spec("staff"),
    "messaging:response_times": Spec("staff"),
    "messaging:patient_thread": Spec("device"),
    "messaging:patient_send": Spec("device"),
    # Patient-reported experience: aggregates only for staff; the discharged tablet answers.
    "experience:results": Spec("staff"),
    "experience:patient": Spec("device"),
}


def _discover(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                yield "admin", None
                continue
            inner = pattern.namespace or namespace
            yield from _discover(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or str(pattern.pattern)
            if name == "monitoring:" or (namespace == "monitoring" and not pattern.name):
                yield "monitoring:fhir_slash", pattern
                continue
            yield (f"{namespace}:{name}" if namespace and pattern.name else name), pattern


def url_names() -> set[str]:
    return {name for name, _ in _discover(get_resolver().url_patterns)}


def test_every_url_pattern_has_a_policy_entry():
    missing = sorted(url_names() - set(URLS))
    assert not missing, f"views without a policy-matrix entry: {missing}"
    stale = sorted(set(URLS) - url_names())
    assert not stale, f"matrix entries for URLs that no longer exist: {stale}"


# --- the demo, the roles and the situations --------------------------------------------


@dataclass
class Ctx:
    demo: dict
    staff: Staff
    unit: Unit
    patient: Patient | None = None
    obj_unit_id: int | None = None
    kwargs: dict | None = None

    @property
    def decision(self):
        return policy.decide_patient_access(
            staff=self.staff, acting_unit=self.unit, patient=self.patient
        )

    @property
    def sees_hsl(self) -> bool:
        return self.decision.health_record


@pytest.fixture
def demo():
    call_command("load_demo", quiet=True)
    ward = Unit.objects.get(kind=Unit.Kind.WARD)
    other_ward_member(
        ward_name="Avdelning 31 (matrix)",
        ward_hsa_id="SE2321000180-MX31",
        username="other.ssk",
        hsa_id="SE2321000180-MXN1",
        profession="nurse",
    )
    patients = list(Patient.objects.exclude(last_name__endswith="(historik)"))
    episodes = {}
    episode_model = _model("episodes.Episode")
    for episode in episode_model.objects.filter(patient__in=patients).select_related("patient"):
        episodes.setdefault(episode.state, episode)
    lisa = next(p for p in patients if p.first_name == "Lisa")
    meeting = _model("coordination.CoordinationMeeting").objects.create(
        primary_care=Unit.objects.get(name="Vårdcentral Kvarnen"),
        home_health=Unit.objects.get(kind=Unit.Kind.HOME_HEALTH_CARE),
        held_on=timezone.localdate(),
        created_by=Staff.objects.get(user__username="peter.vk"),
    )
    _model("coordination.MeetingItem").objects.create(meeting=meeting, patient=lisa, reason="x")
    _model("monitoring.DeviceEnrolment").objects.create(
        episode=episodes["at_home"],
        code_hash="matrix-code",
        code_expires_at=timezone.now() + timedelta(minutes=30),
        created_by=Staff.objects.get(user__username="anna.ssk"),
    )
    case = _model("coordination.DischargeCase").objects.order_by("pk").first()
    return {
        "patients": patients,
        "episodes": episodes,
        "lisa": lisa,
        "meeting": meeting,
        "case": case,
        "ward_relationship": CareRelationship.objects.get(
            patient=lisa, unit=ward, ended_at__isnull=True
        ),
        "staff": {
            role: Staff.objects.select_related("user").get(user__username=username)
            for role, username in (NAMED_ROLES | ROLES).items()
        },
    }


def apply_situation(situation: str, demo: dict) -> None:
    now = timezone.now()
    patients = demo["patients"]
    if situation in ("consent_revoked", "no_relationship", "beyond_grace"):
        SharingConsent.objects.filter(patient__in=patients, revoked_at=None).update(revoked_at=now)
    ended = CareRelationship.objects.filter(patient__in=patients)
    if situation == "no_relationship":
        ended = ended.exclude(unit__kind=Unit.Kind.WARD, unit__name__contains="Infektion")
    if situation in ("no_relationship", "beyond_grace"):
        ended.update(started_at=now - timedelta(days=60), ended_at=now - timedelta(days=30))


# --- the checks ----------------------------------------------------------------------------

# Rows whose change would mean a refused request changed something.
WATCHED = {
    "episodes.Episode": ("state",),
    "patients.CareRelationship": ("ended_at", "unit_id"),
    "patients.SharingConsent": ("revoked_at",),
    "patients.NextOfKin": ("name",),
    "carerequests.CareRequest": ("status",),
    "carerequests.LogisticsOrder": ("status",),
    "coordination.Task": ("status",),
    "coordination.DischargeCase": ("status",),
    "coordination.MeetingItem": ("notes",),
    "visits.Visit": ("status",),
    "monitoring.Alert": ("status",),
    "monitoring.DeviceEnrolment": ("revoked_at",),
    "careplans.Agreement": ("current_number",),
    "medication.MedicationListVersion": ("number",),
    "medication.DoseAdministration": ("status",),
    "labs.LabResult": ("value",),
    "patients.AmbulanceConsent": ("revoked_at",),
    "ambulance.AmbulanceContact": ("summary",),
    "messaging.Message": ("text",),
    "competence.TrainingCheck": ("unticked_at",),
}
DEMO_ROWS = {
    "episodes.Episode": "patient__in",
    "patients.CareRelationship": "patient__in",
    "patients.SharingConsent": "patient__in",
    "patients.NextOfKin": "patient__in",
    "carerequests.CareRequest": "episode__patient__in",
    "carerequests.LogisticsOrder": "episode__patient__in",
    "coordination.Task": "episode__patient__in",
    "coordination.DischargeCase": "patient__in",
    "coordination.MeetingItem": "patient__in",
    "visits.Visit": "episode__patient__in",
    "monitoring.Alert": "episode__patient__in",
    "monitoring.DeviceEnrolment": "episode__patient__in",
    "careplans.Agreement": "episode__patient__in",
    "medication.MedicationListVersion": "episode__patient__in",
    "medication.DoseAdministration": "episode__patient__in",
    "labs.LabResult": "episode__patient__in",
    "patients.AmbulanceConsent": "patient__in",
    "ambulance.AmbulanceContact": "episode__patient__in",
    "messaging.Message": "episode__patient__in",
    "competence.TrainingCheck": "episode__patient__in",
}


def snapshot(patients) -> dict:
    state = {}
    for label, fields in WATCHED.items():
        rows = _model(label).objects.filter(**{DEMO_ROWS[label]: patients}).order_by("pk")
        state[label] = list(rows.values_list("pk", *fields))
    for label in ("episodes.EpisodeTransition", "monitoring.ObservationSet", "patients.Patient"):
        state[label] = _model(label).objects.count()
    return state


# Forms show Skatteverket's best-known test number as an example; it identifies nobody.
EXAMPLE_NUMBER = "191212121212"


def markers(patient: Patient) -> list[str]:
    """What identifies a patient on a page: the family name (the demo's are marked
    "(demo)", so no staff name matches), the street address and the number."""
    found = [patient.last_name, patient.street_address]
    if patient.personal_number != EXAMPLE_NUMBER:
        found += [patient.formatted_personal_number, patient.personal_number]
    return found


def leaked(body: str, patient: Patient) -> list[str]:
    return [marker for marker in markers(patient) if marker and marker in body]


def denied_entries() -> int:
    return AccessLogEntry.objects.filter(outcome=AccessLogEntry.Outcome.DENIED).count()


REFUSED = {403, 404}


def may_post(spec: Spec, ctx: Ctx) -> bool:
    if not _sees(spec, ctx):
        return False
    if spec.do is None:
        return True
    if callable(spec.do):
        return bool(spec.do(ctx))
    assert spec.do in policy.EPISODE_ACTIONS, f"{spec.do} is not in policy.EPISODE_ACTIONS"
    episode = _episode_of(ctx)
    return episode is not None and policy.may_do(
        staff=ctx.staff, unit=ctx.unit, action=spec.do, episode=episode
    )


def _episode_of(ctx: Ctx):
    return (
        _model("episodes.Episode")
        .objects.filter(patient=ctx.patient)
        .exclude(state__in=("discharged", "cancelled"))
        .order_by("-pk")
        .first()
    ) or _model("episodes.Episode").objects.filter(patient=ctx.patient).order_by("-pk").first()


def _object_unit(name: str, kwargs: dict) -> int | None:
    """The unit that owns the object, for rules like "the receiver answers"."""
    if name == "carerequests:act":
        return _model("carerequests.CareRequest").objects.get(pk=kwargs["request_id"]).to_unit_id
    if name == "coordination:task_done":
        return _model("coordination.Task").objects.get(pk=kwargs["task_id"]).owner_unit_id
    return None


def exercise(client, situation: str, demo: dict, roles=ROLES) -> list[str]:
    """Every URL × role in one situation; returns the violations, readably."""
    apply_situation(situation, demo)
    problems = []
    patient_specs = {
        name: spec for name, spec in URLS.items() if spec.kind in ("patient", "shared")
    }
    samples = {name: spec.sample(demo) for name, spec in patient_specs.items()}
    staff_urls = {
        name: reverse(name, kwargs=_staff_kwargs(name, demo))
        for name, spec in URLS.items()
        if spec.kind == "staff"
    }
    for role in roles:
        staff = demo["staff"][role]
        unit = staff.memberships.select_related("unit").first().unit
        client.force_login(staff.user)
        invisible = [
            p
            for p in demo["patients"]
            if not policy.decide_patient_access(staff=staff, acting_unit=unit, patient=p).granted
        ]
        for name, (patient, kwargs) in samples.items():
            spec = URLS[name]
            url = reverse(name, kwargs=kwargs)
            if spec.kind == "shared":
                staff_urls[name] = url
                continue
            ctx = Ctx(demo, staff, unit, patient, _object_unit(name, kwargs), kwargs)
            problems += _check_patient_url(client, name, url, spec, ctx, role)
        for name, url in staff_urls.items():
            response = client.get(url)
            if response.status_code >= 500:
                problems.append(f"{role} GET {name}: {response.status_code}")
                continue
            body = _body(response)
            for patient in invisible:
                if found := leaked(body, patient):
                    problems.append(f"{role} GET {name} lists {patient.first_name}: {found}")
        client.logout()
    return [f"[{situation}] {problem}" for problem in problems]


def _sees(spec: Spec, ctx: Ctx) -> bool:
    sees = ctx.decision.granted if spec.scope == "sol" else ctx.sees_hsl
    return sees and (spec.see is None or spec.see(ctx))


def _check_patient_url(client, name, url, spec, ctx, role) -> list[str]:
    problems = []
    sees = _sees(spec, ctx)
    before = denied_entries()
    response = client.get(url)
    status = response.status_code
    if status >= 500:
        problems.append(f"{role} GET {name}: {status}")
    elif not sees:
        if status not in REFUSED | {405}:
            problems.append(f"{role} GET {name}: {status}, expected 403/404")
        if found := leaked(_body(response), ctx.patient):
            problems.append(f"{role} GET {name} shows {found}")
        if status in REFUSED and denied_entries() == before:
            problems.append(f"{role} GET {name}: refused without a denied log entry")
    elif status in REFUSED:
        problems.append(f"{role} GET {name}: {status}, but the policy grants access")
    allowed = may_post(spec, ctx)
    if allowed:
        return problems  # allowed posts are each app's own tests; here only refusals
    state = snapshot(ctx.demo["patients"])
    before = denied_entries()
    # A unit that exists (the ambulance): a refusal must not hinge on a bad form.
    ambulance = Unit.objects.get(kind=Unit.Kind.AMBULANCE)
    response = client.post(url, {**CRAFTED_POST, "unit": str(ambulance.pk)})
    status = response.status_code
    if status not in REFUSED | {405}:
        problems.append(f"{role} POST {name}: {status}, expected a refusal")
    if found := leaked(_body(response), ctx.patient) if not sees else []:
        problems.append(f"{role} POST {name} shows {found}")
    if snapshot(ctx.demo["patients"]) != state:
        problems.append(f"{role} POST {name}: refused but changed data")
    if status in REFUSED and denied_entries() == before:
        problems.append(f"{role} POST {name}: refused without a denied log entry")
    return problems


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _staff_kwargs(name: str, demo: dict) -> dict:
    if name == "careplans:template_edit" or name == "careplans:template_copy":
        return {"template_id": _model("careplans.AgreementTemplate").objects.first().pk}
    if name in ("coordination:directory_entry", "coordination:directory_edit"):
        return {"entry_id": _model("coordination.DirectoryEntry").objects.first().pk}
    if name == "visits:shift_remove":
        return {"shift_id": _model("visits.Shift").objects.first().pk}
    if name in ("insights:dashboard_csv", "insights:dashboard_xlsx"):
        return {"panel": "care_at_home"}
    if name == "insights:scenario_delete":
        return {"scenario_id": 999999}
    if name == "competence:unit":
        unit = _model("accounts.Unit").objects.filter(kind="home_health_care").first()
        return {"unit_id": unit.pk}
    if name == "competence:withdraw":
        return {"record_id": 999999}
    if name == "jobs:status":
        return {"job_id": 999999}
    if name == "setup:safety_bed_add":
        return {"ward_id": _model("accounts.Unit").objects.filter(kind="ward").first().pk}
    if name == "setup:safety_bed_service":
        return {"bed_id": _model("episodes.SafetyBed").objects.first().pk, "action": "out"}
    return {}


@pytest.mark.parametrize("situation", SITUATIONS)
def test_every_view_obeys_the_policy(client, demo, situation):
    problems = exercise(client, situation, demo)
    assert not problems, "\n".join(problems)


def test_the_policy_decides_as_the_law_says(demo):
    """The oracle itself, by hand, for Lisa (ward, home health, home care, listing centre)."""
    lisa = demo["lisa"]

    def sees(role):
        staff = demo["staff"][role]
        unit = staff.memberships.first().unit
        return policy.decide_patient_access(staff=staff, acting_unit=unit, patient=lisa)

    assert sees("ward_nurse").health_record and sees("physician").health_record
    assert sees("municipal_nurse").health_record and sees("assistant_nurse").health_record
    assert sees("home_care").granted and not sees("home_care").health_record
    for outsider in ("other_ward", "other_admin"):
        assert not sees(outsider).granted, outsider
    # Lisa is at home and consents to the ambulance being informed: the region's ambulance
    # reads her summary (Scope.AMBULANCE), never the health record.
    assert sees("ambulance").scope == policy.Scope.AMBULANCE
    assert sees("ambulance").granted and not sees("ambulance").health_record
    apply_situation("consent_revoked", demo)
    assert sees("ward_nurse").health_record
    for municipal in ("municipal_nurse", "assistant_nurse", "home_care"):
        assert not sees(municipal).granted, municipal
    apply_situation("beyond_grace", demo)
    for role in NAMED_ROLES:
        # The ambulance's read follows the episode at home and the consent, not a care
        # relationship.
        assert not sees(role).granted or role == "ambulance", role
    _model("patients.AmbulanceConsent").objects.update(
        revoked_at=timezone.now(), revoked_by=demo["staff"]["ward_nurse"]
    )
    assert not sees("ambulance").granted
