"""Every kind of answer the FHIR API gives, validated by an independent validator: Medplum's
validateResource under Node, against the HL7 R4 definitions – structure and the FHIRPath
invariants (bdl-3, ppc-1, obs-6, dom-3…) and required bindings, which the fhir.resources
models of the other tests do not check. See tests/fhirapi/validator/validate.mjs.

All answers go to one `node validate.mjs` run (loading R4's definitions is the slow part)."""

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from hemma.accounts.models import Staff, Unit
from hemma.careplans.models import Agreement
from hemma.carerequests.models import CareRequest
from hemma.episodes.models import Episode
from hemma.fhirapi.capability import SUPPORTED
from hemma.medication import services as medication
from hemma.medication.models import DoseAdministration
from hemma.monitoring import services as monitoring
from tests.conftest import IN_CI
from tests.monitoring import test_fhir_references as phd
from tests.monitoring.test_fhir_api import blood_pressure, bundle, person, quantity
from tests.monitoring.test_fhir_api import post as device_post

from .conftest import access_token, get, register
from .test_service_request_create import post as ehr_post
from .test_service_request_create import service_request

pytestmark = pytest.mark.django_db
VALIDATOR = Path(__file__).parent / "validator"
INSTALLED = VALIDATOR / "node_modules" / "@medplum" / "core" / "package.json"
NO_SUCH_ID = "00000000-0000-0000-0000-000000000000"
LISA = "193805089145"  # the demo patient at home, with readings, an agreement and requests


def node_or_skip() -> str:
    """Node and the validator's packages: skipped with a notice locally, failed in CI."""
    node = shutil.which("node")
    if node is None:
        problem = (
            "node not found: the independent FHIR validation cannot run "
            "(apt-get install nodejs npm)"
        )
    elif not INSTALLED.exists():
        problem = (
            f"{VALIDATOR}/node_modules is missing: the independent FHIR validation cannot run "
            "(npm ci --prefix tests/fhirapi/validator, which `make test` does)"
        )
    else:
        return node
    if IN_CI:
        pytest.fail(f"CI=true: {problem}")
    pytest.skip(problem)


def validate(resources: list[dict], *args: str) -> list[dict]:
    completed = subprocess.run(
        [node_or_skip(), "validate.mjs", *args],
        cwd=VALIDATOR,
        input=json.dumps(resources),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout)


def errors(result: dict) -> list[str]:
    return [
        f"{(i.get('expression') or ['?'])[0]}: {i.get('details', {}).get('text', '')}"
        f" {i.get('diagnostics', '')}".rstrip()
        for i in result["issues"]
        if i["severity"] in ("error", "fatal")
    ]


# Known-bad resources sent along with Hemma's answers, so one run also shows that the
# invariants are evaluated (a validator that checked structure only would pass Hemma).
CANARIES = [
    (
        "bdl-3",
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [
                {
                    "resource": {"resourceType": "Patient", "id": "1"},
                    "request": {"method": "GET", "url": "Patient/1"},
                }
            ],
        },
    ),
    (
        "ppc-1",
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [
                {
                    "resource": {
                        "resourceType": "Consent",
                        "id": "c",
                        "status": "active",
                        "scope": {"text": "s"},
                        "category": [{"text": "c"}],
                    }
                }
            ],
        },
    ),
]


def test_the_validator_flags_known_bad_resources():
    """validate.mjs --self-test: invariants at the top and inside a Bundle, dom-3, a required
    binding and an unknown element are each flagged, and valid resources are not."""
    assert validate([], "--self-test") == []


class Answers:
    """Every answer received, with what it was, for one validator run at the end."""

    def __init__(self, client):
        self.client = client
        self.received: list[tuple[str, dict]] = []

    def keep(self, label: str, response, status: int = 200) -> dict:
        assert response.status_code == status, (label, response.status_code, response.content)
        assert response["Content-Type"].startswith("application/fhir+json"), label
        body = response.json()
        self.received.append((label, body))
        return body

    def get(self, url: str, token: str | None, status: int = 200, **params) -> dict:
        label = f"GET {url} {params or ''}".rstrip()
        if token is None:
            return self.keep(label, self.client.get(url, params), status)
        return self.keep(label, get(self.client, url, token, **params), status)

    def read_all(self, bundle: dict, token: str) -> list[dict]:
        """Read each resource of a searchset on its own."""
        found = [entry["resource"] for entry in bundle.get("entry", [])]
        for resource in found:
            self.get(f"/fhir/{resource['resourceType']}/{resource['id']}", token)
        return found


def device_token(episode: Episode, nurse: Staff) -> str:
    """A vendor device's API token, as tests/monitoring/test_fhir_api.py's `token` does."""
    code = monitoring.enrolment_issue(staff=nurse, unit=episode.ward, episode=episode)
    return monitoring.enrolment_claim_api(code=code).access_token


def task_put(client, url, task, token, if_match=None):
    headers = {"HTTP_IF_MATCH": if_match} if if_match else {}
    return client.put(
        url,
        json.dumps(task),
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **headers,
    )


def test_every_answer_of_the_api_is_valid_r4(client, rsa_key, ec_key):
    call_command("load_demo", quiet=True)
    ward = Unit.objects.get(hsa_id__endswith="-INF30")
    lisa = Episode.objects.select_related("patient", "ward").get(
        patient__personal_number=LISA, state="at_home"
    )
    assert lisa.ward == ward
    care_types = [t for t in SUPPORTED if t != "AuditEvent"]
    read = " ".join(f"system/{t}.read" for t in care_types)
    register("ehr", ward, rsa_key, scopes=f"{read} system/ServiceRequest.write")
    token = access_token(client, rsa_key, "ehr", f"{read} system/ServiceRequest.write")
    register("loggranskning", ward, ec_key, scopes="system/AuditEvent.read", log_review=True)
    reviewer = access_token(client, ec_key, "loggranskning", "system/AuditEvent.read")
    answers = Answers(client)
    # A dose recorded at home, so a MedicationAdministration is read back (the first one
    # still due: the demo gives the ones due before the load).
    dose = (
        DoseAdministration.objects.filter(episode=lisa, status="planned").order_by("due_at").first()
    )
    medication.dose_record(
        staff=Staff.objects.get(user__username="karin.hsv"),
        unit=lisa.home_health_unit,
        dose=dose,
        outcome="given",
        given_at=dose.due_at,
        now=dose.due_at + timedelta(minutes=5),
    )

    # Devices post first, so their readings are read back below.
    device = device_token(lisa, Staff.objects.get(user__username="anna.ssk"))
    subject = person(LISA)
    now = timezone.now().replace(microsecond=0)

    def at(minutes):
        return (now - timedelta(minutes=minutes)).isoformat()

    single = quantity("8867-4", 84, "/min", "val-single", at(50), subject)
    answers.keep(
        "POST Observation (device)",
        device_post(client, single, device, "monitoring:fhir_observation"),
        201,
    )
    batch = bundle(
        quantity("8867-4", 90, "/min", "val-b-hr", at(40), subject),
        quantity("59408-5", 95, "%", "val-b-spo2", at(40), subject),
        blood_pressure(130, 80, "val-b-bp", at(40), subject),
    )
    assert answers.keep("POST batch", device_post(client, batch, device))["type"] == (
        "batch-response"
    )
    transaction = bundle(
        quantity("8310-5", 37.2, "Cel", "val-t-temp", at(30), subject),
        quantity("9279-1", 18, "/min", "val-t-rr", at(30), subject),
        kind="transaction",
    )
    response = answers.keep("POST transaction", device_post(client, transaction, device))
    assert response["type"] == "transaction-response"
    answers.keep("POST transaction again", device_post(client, transaction, device))
    partly = bundle(
        quantity("8867-4", 91, "/min", "val-p-hr", at(20), subject),
        quantity("8867-4", 92, "/min", "val-p-other", at(20), person("191212121212")),
    )
    response = answers.keep("POST batch, one entry refused", device_post(client, partly, device))
    assert "outcome" in response["entry"][1]["response"]
    refused = bundle(*[e["resource"] for e in partly["entry"]], kind="transaction")
    answers.keep("POST transaction, refused", device_post(client, refused, device), 403)
    answers.keep(
        "POST collection (device)",
        device_post(client, bundle(single, kind="collection"), device),
        400,
    )
    answers.keep("POST batch without a token", device_post(client, batch, None), 401)
    gateway = phd.transaction(
        phd.patient_entry(LISA),
        phd.device_entry(),
        phd.observation_entry("8867-4", 77, "/min", "val-phd-hr"),
    )
    answers.keep("POST PHD transaction (urn:uuid)", device_post(client, gateway, device))

    # The care client: the statement, then every type it lists, per patient it may read.
    statement = answers.get("/fhir/metadata", None)
    listed = {r["type"] for r in statement["rest"][0]["resource"]}
    patients = answers.read_all(answers.get("/fhir/Patient", token), token)
    assert str(lisa.patient_id) in {p["id"] for p in patients}
    for patient in patients:
        for resource_type in care_types:
            if resource_type != "Patient" and "patient" in SUPPORTED[resource_type][1]:
                answers.read_all(
                    answers.get(f"/fhir/{resource_type}", token, patient=patient["id"]), token
                )
        answers.get(f"/fhir/Patient/{patient['id']}/$everything", token)
    for resource_type in care_types:
        if "patient" not in SUPPORTED[resource_type][1]:
            answers.read_all(answers.get(f"/fhir/{resource_type}", token), token)

    # The variants worth naming: NEWS2 and a BP panel, both consents, a CarePlan's
    # history, a page with a next link, included patients.
    observations = answers.get("/fhir/Observation", token, patient=lisa.patient_id, _count=200)
    ids = [e["resource"]["id"] for e in observations["entry"]]
    assert any(i.endswith("-news2") for i in ids) and any(
        i.endswith("-blood-pressure") for i in ids
    )
    paged = answers.get("/fhir/Observation", token, patient=lisa.patient_id, _count=2)
    assert any(link["relation"] == "next" for link in paged["link"])
    answers.get("/fhir/Observation", token, patient=lisa.patient_id, _include="Observation:patient")
    consents = answers.get("/fhir/Consent", token, patient=lisa.patient_id)
    kinds = {e["resource"]["id"].split("-")[0] for e in consents["entry"]}
    assert kinds == {"episode", "sharing"}, kinds
    plan = Agreement.objects.get(episode=lisa)
    history = answers.get(f"/fhir/CarePlan/{plan.pk}/_history", token)
    assert history["type"] == "history"
    answers.get(f"/fhir/CarePlan/{plan.pk}/_history/1", token)

    # A care request sent from the EHR, and the same one again (409).
    home_care = Unit.objects.get(kind="home_care")
    sent = service_request(lisa, home_care)
    answers.keep("POST ServiceRequest", ehr_post(client, sent, token), 201)
    answers.keep("POST ServiceRequest again", ehr_post(client, sent, token), 409)
    bad = service_request(lisa, home_care, status="draft", colour="red")
    answers.keep("POST ServiceRequest, malformed", ehr_post(client, bad, token), 400)
    nowhere = service_request(lisa, home_care)
    nowhere["performer"][0]["identifier"]["value"] = "SE0000000000-NOWHERE"
    answers.keep("POST ServiceRequest, unknown unit", ehr_post(client, nowhere, token), 422)

    # Home health care's own system answers Omar's care request: Task PUT with If-Match.
    omar = CareRequest.objects.get(episode__patient__first_name="Omar", kind="home_health")
    task_scopes = "system/Task.read system/Task.write"
    register("hsv", omar.to_unit, ec_key, scopes=task_scopes)
    hsv = access_token(client, ec_key, "hsv", task_scopes)
    task_url = f"/fhir/Task/{omar.pk}"
    task = answers.get(task_url, hsv)
    stale = f'W/"{task["meta"]["versionId"]}"'
    accepted = {**task, "status": "accepted"}
    answers.keep("PUT Task", task_put(client, task_url, accepted, hsv, stale), 200)
    answers.keep("PUT Task, stale If-Match", task_put(client, task_url, task, hsv, stale), 412)
    wrong = {**task, "status": "completed"}
    answers.keep("PUT Task, unsupported status", task_put(client, task_url, wrong, hsv), 400)
    answers.get(f"{task_url}/_history", hsv)
    answers.get(f"/fhir/Patient/{lisa.patient_id}/_history", token)
    patient = answers.get(f"/fhir/Patient/{lisa.patient_id}", token)
    answers.get(f"/fhir/Patient/{lisa.patient_id}/_history/{patient['meta']['versionId']}", token)
    answers.get(f"/fhir/Patient/{lisa.patient_id}/_history/0", token, 404)

    # OperationOutcomes.
    answers.get("/fhir/Patient", None, 401)
    answers.get(f"/fhir/Patient/{NO_SUCH_ID}", token, 404)
    answers.get("/fhir/Patient", token, 400, nmae="Lisa")
    answers.get("/fhir/Observation", token, 400, patient=lisa.patient_id, date="igår")
    answers.get("/fhir/Patient", token, 406, _format="xml")
    answers.keep(
        "POST Patient", client.post("/fhir/Patient", HTTP_AUTHORIZATION=f"Bearer {token}"), 405
    )
    answers.get("/fhir/AuditEvent", token, 403)
    answers.get("/fhir/Nothing", token, 404)

    # The log review client: the access log, granted and denied entries.
    answers.get("/fhir/Patient", reviewer, 403)
    log = answers.get("/fhir/AuditEvent", reviewer, patient=lisa.patient_id, _count=20)
    answers.read_all(log, reviewer)
    answers.read_all(answers.get("/fhir/AuditEvent", reviewer, outcome="4"), reviewer)

    # Every type the statement lists was answered, and every kind of Bundle.
    seen = {body["resourceType"] for _, body in answers.received} | {
        entry["resource"]["resourceType"]
        for _, body in answers.received
        for entry in body.get("entry", [])
        if "resource" in entry
    }
    assert listed | {"Bundle", "OperationOutcome", "CapabilityStatement"} <= seen, listed - seen
    bundles = {b["type"] for _, b in answers.received if b["resourceType"] == "Bundle"}
    assert bundles == {"searchset", "history", "batch-response", "transaction-response"}

    canaries = [resource for _, resource in CANARIES]
    results = {r["index"]: r for r in validate(canaries + [b for _, b in answers.received])}
    for index, (invariant, _) in enumerate(CANARIES):
        assert any(invariant in e for e in errors(results.get(index, {"issues": []}))), (
            f"the validator did not flag the {invariant} canary: {results.get(index)}"
        )
    failures = [
        f"{answers.received[index - len(CANARIES)][0]} → {result['resourceType']}: {problem}"
        for index, result in sorted(results.items())
        if index >= len(CANARIES)
        for problem in errors(result)
    ]
    assert not failures, f"{len(failures)} R4 errors:\n" + "\n".join(failures)
