"""Write example answers of the FHIR API, one per resource type and interaction, to a
directory (docs/fhir-examples/ holds the ones made from the demo region):

    hemma load_demo && hemma fhir_examples docs/fhir-examples

Everything happens in a transaction that is rolled back: the example client, its key
and the access-log entries of the example reads are not kept."""

import json
import time
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import Client
from joserfc import jwt
from joserfc.jwk import ECKey

from hemma.accounts.models import Staff, Unit
from hemma.careplans.models import Agreement
from hemma.fhirapi.services import system_client_register
from hemma.medication.models import DoseAdministration
from hemma.medication.services import dose_record
from hemma.monitoring.services import enrolment_claim_api, enrolment_issue

SCOPES = "system/*.read"


class _RollBack(Exception):
    pass


class Command(BaseCommand):
    help = "Write example FHIR answers (needs the demo region loaded)."

    def add_arguments(self, parser):
        parser.add_argument("directory")

    def handle(self, *args, directory, **options):
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        agreement = Agreement.objects.filter(episode__state="at_home").first()
        if agreement is None:
            raise CommandError("load the demo region first: hemma load_demo")
        try:
            with transaction.atomic():
                written = self._write(target, agreement)
                raise _RollBack
        except _RollBack:
            pass
        self.stdout.write(f"wrote {written} examples to {target}")

    def _write(self, target: Path, agreement) -> int:
        episode = agreement.episode
        ward = episode.ward
        key = ECKey.generate_key("P-384", parameters={"kid": "example"})
        system_client_register(
            client_id="example-ehr",
            name="Exempel-EHR",
            unit=ward,
            jwks={"keys": [key.as_dict(private=False)]},
            scopes=SCOPES,
        )
        client = Client(SERVER_NAME="localhost")
        claims = {
            "iss": "example-ehr",
            "sub": "example-ehr",
            "aud": "http://localhost/oauth/token",
            "exp": int(time.time()) + 240,
            "jti": str(uuid.uuid4()),
        }
        assertion = jwt.encode(
            {"alg": "ES384", "kid": "example"}, claims, key, algorithms=["ES384"]
        )
        token = client.post(
            "/oauth/token",
            {
                "grant_type": "client_credentials",
                "scope": SCOPES,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
            },
        ).json()["access_token"]
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        patient = episode.patient_id
        nurse = Staff.objects.filter(memberships__unit=ward, profession="nurse").first()
        code = enrolment_issue(staff=nurse, unit=ward, episode=episode, label="Blodtrycksmätare")
        enrolment_claim_api(code=code)
        request = episode.care_requests.first()
        home_health = Unit.objects.filter(kind="home_health_care").first()
        # A dose given at home: the demo gave the ones due before it was loaded; if none was
        # due yet, the first is recorded here.
        dose = DoseAdministration.objects.filter(episode=episode).order_by("due_at").first()
        planned = dose is not None and dose.status == DoseAdministration.Status.PLANNED
        if planned and episode.home_health_unit is not None:
            dose_record(
                staff=Staff.objects.filter(
                    memberships__unit=episode.home_health_unit, memberships__role="member"
                ).first(),
                unit=episode.home_health_unit,
                dose=dose,
                outcome="given",
                given_at=dose.due_at,
                now=dose.due_at,
            )
        examples = {
            "CapabilityStatement": "/fhir/metadata",
            "Patient": f"/fhir/Patient/{patient}",
            "Encounter": f"/fhir/Encounter/{episode.pk}",
            "Observation-search": f"/fhir/Observation?patient={patient}&_count=7",
            "CarePlan": f"/fhir/CarePlan/{agreement.pk}",
            "ServiceRequest": f"/fhir/ServiceRequest/{request.pk}",
            "Task": f"/fhir/Task/{request.pk}",
            "Consent-search": f"/fhir/Consent?patient={patient}",
            "CareTeam": f"/fhir/CareTeam/{patient}",
            "Device-search": f"/fhir/Device?patient={patient}",
            "MedicationRequest-search": f"/fhir/MedicationRequest?patient={patient}&_count=3",
            "MedicationAdministration-search": f"/fhir/MedicationAdministration?patient={patient}",
            "Organization": f"/fhir/Organization/{home_health.pk}",
            "Practitioner-search": "/fhir/Practitioner?_count=2",
            "PractitionerRole-search": "/fhir/PractitionerRole?_count=2",
            "OperationOutcome-400": "/fhir/Observation?date=ge2026-13-01",
        }
        system_client_register(
            client_id="example-log-review",
            name="Exempel-loggranskning",
            unit=ward,
            jwks={"keys": [key.as_dict(private=False)]},
            scopes="system/AuditEvent.read",
            log_review=True,
        )
        claims = {**claims, "iss": "example-log-review", "sub": "example-log-review"}
        claims["jti"] = str(uuid.uuid4())
        review = client.post(
            "/oauth/token",
            {
                "grant_type": "client_credentials",
                "scope": "system/AuditEvent.read",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": jwt.encode(
                    {"alg": "ES384", "kid": "example"}, claims, key, algorithms=["ES384"]
                ),
            },
        ).json()["access_token"]
        for name, url in examples.items():
            body = client.get(url, **auth).json()
            (target / f"{name}.json").write_text(
                json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
        audit = client.get(
            f"/fhir/AuditEvent?patient={patient}&_count=2",
            HTTP_AUTHORIZATION=f"Bearer {review}",
        ).json()
        (target / "AuditEvent-search.json").write_text(
            json.dumps(audit, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        return len(examples) + 1
