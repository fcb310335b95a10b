"""The issue's "done when", as one story on the demo region, following docs/fhir.md step
by step: a region's integration team registers a backend client, syncs episodes,
agreements and care requests into its EHR, reads vitals and NEWS2 back, a vendor posts
observations with an enrolment code, and the EHR sends a care request."""

import json
import time
import uuid
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import ECKey

from hemma.accounts.models import Staff, Unit
from hemma.episodes.models import Episode
from hemma.monitoring import services as monitoring

from .conftest import valid_r4

pytestmark = pytest.mark.django_db
SCOPES = (
    "system/Patient.read system/Encounter.read system/Observation.read system/CarePlan.read "
    "system/ServiceRequest.read system/ServiceRequest.write system/Task.read"
)


def test_a_region_connects_its_ehr_and_a_vendor_from_the_guide_alone(client, tmp_path):
    call_command("load_demo", quiet=True)
    ward = Unit.objects.get(hsa_id__endswith="-INF30")

    # 1. Register a client: a P-384 key pair, the public half as a JWKS, the operator's command.
    key = ECKey.generate_key("P-384", parameters={"kid": "cosmic-2026"})
    jwks = tmp_path / "cosmic-public.jwks.json"
    jwks.write_text(json.dumps({"keys": [key.as_dict(private=False)]}))
    call_command(
        "fhir_client",
        "add",
        "--client-id=ehr-cosmic",
        "--name=Cosmic",
        f"--unit={ward.hsa_id}",
        f"--jwks={jwks}",
        f"--scopes={SCOPES}",
    )

    # 2. Get an access token with a signed assertion (ES384, aud = the token URL).
    smart = client.get("/fhir/.well-known/smart-configuration").json()
    claims = {
        "iss": "ehr-cosmic",
        "sub": "ehr-cosmic",
        "aud": smart["token_endpoint"],
        "exp": int(time.time()) + 240,
        "jti": str(uuid.uuid4()),
    }
    assertion = jwt.encode(
        {"alg": "ES384", "kid": "cosmic-2026", "typ": "JWT"}, claims, key, algorithms=["ES384"]
    )
    answer = client.post(
        smart["token_endpoint"],
        {
            "grant_type": "client_credentials",
            "scope": SCOPES,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
    ).json()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {answer['access_token']}"}

    def read(url, **params):
        response = client.get(url, params, **auth)
        assert response.status_code == 200, (url, response.json())
        return valid_r4(response.json())

    # 3. Sync the episodes at home, with their patients, agreements and care requests.
    bundle = read("/fhir/Encounter", status="in-progress", _include="Encounter:patient")
    encounters = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "match"]
    patients = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "include"]
    assert encounters and len(patients) == len({e["subject"]["reference"] for e in encounters})
    lisa = next(e for e in encounters if "Lisa" in e["subject"]["display"])
    plans = read("/fhir/CarePlan", encounter=lisa["id"])["entry"]
    assert plans[0]["resource"]["status"] == "active"
    requests = read("/fhir/ServiceRequest", encounter=lisa["id"])["entry"]
    tasks = read("/fhir/Task", encounter=lisa["id"])["entry"]
    assert {r["resource"]["id"] for r in requests} == {t["resource"]["id"] for t in tasks}

    # 4. Read vitals and NEWS2 back.
    patient_id = lisa["subject"]["reference"].removeprefix("Patient/")
    news2 = read(
        "/fhir/Observation", patient=patient_id, code="http://snomed.info/sct|1104051000000101"
    )
    assert news2["entry"] and all("valueInteger" in e["resource"] for e in news2["entry"])

    # 5. A vendor enrols with the ward's one-time code and posts a reading.
    anna = Staff.objects.get(user__username="anna.ssk")
    episode = Episode.objects.get(pk=lisa["id"])
    code = monitoring.enrolment_issue(staff=anna, unit=ward, episode=episode)
    form = urlencode({"grant_type": "urn:hemma:device-code", "code": code, "label": "Manschett"})
    tokens = client.post(
        "/oauth/device-token", form, content_type="application/x-www-form-urlencoded"
    ).json()
    assert tokens["episode"]["patient"] == f"Patient/{patient_id}"
    reading = {
        "resourceType": "Observation",
        "status": "final",
        "identifier": [{"system": "urn:vendor:cuff", "value": "r-1"}],
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "vital-signs",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": tokens["episode"]["patient"]},
        "effectiveDateTime": (timezone.now() - timedelta(minutes=2)).isoformat(timespec="seconds"),
        "valueQuantity": {
            "value": 77,
            "unit": "/min",
            "system": "http://unitsofmeasure.org",
            "code": "/min",
        },
    }
    posted = client.post(
        "/fhir/Observation",
        json.dumps(reading),
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}",
    )
    assert posted.status_code == 201, posted.json()
    back = read(posted["Location"].removeprefix("http://testserver"))
    assert back["valueQuantity"]["value"] == 77

    # 6. The EHR sends a care request to home care; it lands in home care's inbox.
    home_care = Unit.objects.get(kind="home_care")
    sent = client.post(
        "/fhir/ServiceRequest",
        json.dumps(
            {
                "resourceType": "ServiceRequest",
                "status": "active",
                "intent": "order",
                "code": {
                    "coding": [
                        {
                            "system": "https://hemma.se/fhir/CodeSystem/care-request-kind",
                            "code": "home_care",
                        }
                    ]
                },
                "subject": {"reference": f"Patient/{patient_id}"},
                "encounter": {"reference": f"Encounter/{lisa['id']}"},
                "occurrenceDateTime": (timezone.now() + timedelta(days=1)).isoformat(
                    timespec="seconds"
                ),
                "performer": [
                    {"identifier": {"system": "urn:oid:1.2.752.29.4.19", "value": home_care.hsa_id}}
                ],
                "reasonCode": [{"text": "Inköp"}],
                "note": [{"text": "En gång i veckan"}],
            }
        ),
        content_type="application/fhir+json",
        **auth,
    )
    assert sent.status_code == 201, sent.json()
    task = read(f"/fhir/Task/{sent.json()['id']}")
    assert task["status"] == "requested"
