"""POST /oauth/device-token: a vendor's device exchanges the ward's one-time code for an
expiring API token pair bound to one episode, refreshes it with rotation (a reused refresh
token revokes the device), and the API token and the patient page's token each open only
their own door."""

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hemma.errors import NotAllowed
from hemma.monitoring import services
from hemma.monitoring.models import DeviceApiToken, DeviceEnrolment, ObservationSet
from hemma.monitoring.views import DEVICE_COOKIE
from tests.monitoring.test_fhir_api import post, quantity

pytestmark = pytest.mark.django_db
URL = "/oauth/device-token"
DEVICE_CODE = "urn:hemma:device-code"
FORM = "application/x-www-form-urlencoded"


def form(client, **fields):
    return client.post(URL, urlencode(fields), content_type=FORM)


def claim(client, code, **extra):
    response = form(client, grant_type=DEVICE_CODE, code=code, **extra)
    assert response.status_code == 200, response.content
    return response.json()


def refresh(client, refresh_token):
    return form(client, grant_type="refresh_token", refresh_token=refresh_token)


def reading(ident="r1", value=72):
    when = (timezone.now() - timedelta(minutes=5)).isoformat()
    return quantity("8867-4", value, "/min", ident, when=when)


def ingest(client, token, ident="r1"):
    return post(client, reading(ident), token, "monitoring:fhir_observation")


def assert_error(response, error, status=400):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == error
    assert response.json()["error_description"]
    assert response["Cache-Control"] == "no-store"


@pytest.fixture
def code(at_home, ward_nurse):
    return services.enrolment_issue(staff=ward_nurse, unit=at_home.ward, episode=at_home)


# --- The code grant -----------------------------------------------------------------------


def test_the_code_gives_an_api_token_bound_to_the_episode(client, code, at_home):
    response = form(client, grant_type=DEVICE_CODE, code=code.lower(), label="Vågen")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["episode"] == {
        "encounter": f"Encounter/{at_home.pk}",
        "patient": f"Patient/{at_home.patient_id}",
    }
    assert body["access_token"] != body["refresh_token"]
    pair = DeviceApiToken.objects.get()
    # Stored only hashed.
    assert body["access_token"] not in (pair.access_hash, pair.refresh_hash)
    enrolment = DeviceEnrolment.objects.get()
    assert enrolment.kind == "api" and enrolment.token_hash is None
    assert enrolment.label == "Vågen" and enrolment.api_refreshed_at is not None
    created = ingest(client, body["access_token"])
    assert created.status_code == 201
    assert ObservationSet.objects.get().episode == at_home
    assert DeviceEnrolment.objects.get().last_used_at is not None


def test_a_json_body_is_accepted_too(client, code, settings):
    settings.HEMMA_DEVICE_TOKEN_SECONDS = 600
    response = client.post(
        URL, {"grant_type": DEVICE_CODE, "code": code}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["expires_in"] == 600


def test_the_code_is_used_once_whichever_claims_it(client, code, at_home, ward_nurse):
    claim(client, code)
    assert_error(form(client, grant_type=DEVICE_CODE, code=code), "invalid_grant")
    # The patient's page cannot claim it afterwards either, nor the API a page's code.
    with pytest.raises(NotAllowed):
        services.enrolment_claim(code=code)
    page_code = services.enrolment_issue(staff=ward_nurse, unit=at_home.ward, episode=at_home)
    services.enrolment_claim(code=page_code)
    assert_error(form(client, grant_type=DEVICE_CODE, code=page_code), "invalid_grant")
    assert DeviceApiToken.objects.count() == 1


def test_an_expired_unknown_or_ended_code_is_refused(client, code, at_home, ward_nurse):
    DeviceEnrolment.objects.update(code_expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(form(client, grant_type=DEVICE_CODE, code=code), "invalid_grant")
    assert_error(form(client, grant_type=DEVICE_CODE, code="ABCDEFGH"), "invalid_grant")
    fresh = services.enrolment_issue(staff=ward_nurse, unit=at_home.ward, episode=at_home)
    at_home.state = "discharged"
    at_home.save()
    assert_error(form(client, grant_type=DEVICE_CODE, code=fresh), "invalid_grant")
    assert not DeviceApiToken.objects.exists()
    assert not DeviceEnrolment.objects.filter(claimed_at__isnull=False).exists()


def test_a_ward_label_is_kept(client, at_home, ward_nurse):
    code = services.enrolment_issue(
        staff=ward_nurse, unit=at_home.ward, episode=at_home, label="Surfplatta 3"
    )
    claim(client, code, label="Leverantörens våg")
    assert DeviceEnrolment.objects.get().label == "Surfplatta 3"


# --- Separate doors -------------------------------------------------------------------------


def test_the_page_token_does_not_open_the_fhir_api(client, code):
    page_token = services.enrolment_claim(code=code)
    response = ingest(client, page_token)
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert not ObservationSet.objects.exists()


def test_the_api_token_does_not_open_the_patients_page(client, code):
    access = claim(client, code)["access_token"]
    client.cookies[DEVICE_COOKIE] = access
    home = client.get(reverse("monitoring:patient_home"))
    assert home.status_code == 302 and home["Location"] == reverse("monitoring:patient_start")
    submitted = client.post(
        reverse("monitoring:patient_submit"),
        json.dumps({"client_id": "c1", "values": {"pulse": 72}}),
        content_type="application/json",
    )
    assert submitted.status_code == 401
    assert not ObservationSet.objects.exists()


def test_no_token_gets_the_bare_challenge(client, at_home):
    response = ingest(client, None)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="hemma"'


def test_an_expired_access_token_is_401_invalid_token(client, code):
    access = claim(client, code)["access_token"]
    DeviceApiToken.objects.update(access_expires_at=timezone.now() - timedelta(seconds=1))
    response = ingest(client, access)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="hemma", error="invalid_token"'
    assert response.json()["issue"][0]["code"] == "login"
    assert not ObservationSet.objects.exists()


def test_the_api_token_ends_with_the_episode(client, code, at_home):
    tokens = claim(client, code)
    at_home.state = "discharged"
    at_home.save()
    assert ingest(client, tokens["access_token"]).status_code == 401
    assert_error(refresh(client, tokens["refresh_token"]), "invalid_grant")


# --- Refresh ----------------------------------------------------------------------------


def test_a_refresh_rotates_the_pair(client, code, at_home):
    first = claim(client, code)
    response = refresh(client, first["refresh_token"])
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    second = response.json()
    assert second["episode"]["encounter"] == f"Encounter/{at_home.pk}"
    assert {second["access_token"], second["refresh_token"]}.isdisjoint(
        {first["access_token"], first["refresh_token"]}
    )
    assert ingest(client, second["access_token"], "r2").status_code == 201
    # The old pair stops working: the access token at once, the refresh token as a reuse.
    assert ingest(client, first["access_token"], "r3").status_code == 401
    assert refresh(client, second["refresh_token"]).status_code == 200


def test_a_reused_refresh_token_revokes_the_devices_api_tokens(client, code):
    first = claim(client, code)
    second = refresh(client, first["refresh_token"]).json()
    assert ingest(client, second["access_token"]).status_code == 201
    # The old refresh token again: a leak (or a lost answer) – everything is revoked.
    assert_error(refresh(client, first["refresh_token"]), "invalid_grant")
    assert ingest(client, second["access_token"], "r2").status_code == 401
    assert_error(refresh(client, second["refresh_token"]), "invalid_grant")
    assert not DeviceApiToken.objects.filter(revoked_at__isnull=True).exists()
    assert DeviceEnrolment.objects.get().revoked_at is not None
    assert ObservationSet.objects.count() == 1


def test_an_expired_refresh_token_is_refused(client, code):
    tokens = claim(client, code)
    DeviceApiToken.objects.update(refresh_expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(refresh(client, tokens["refresh_token"]), "invalid_grant")
    assert DeviceApiToken.objects.count() == 1


def test_an_unknown_refresh_token_or_an_access_token_is_refused(client, code):
    tokens = claim(client, code)
    assert_error(refresh(client, "not-a-token"), "invalid_grant")
    assert_error(refresh(client, tokens["access_token"]), "invalid_grant")
    assert ingest(client, tokens["access_token"]).status_code == 201  # nothing revoked


def test_rotated_pairs_are_pruned_once_their_refresh_token_expired(client, code):
    tokens = claim(client, code)
    for _round in range(3):
        tokens = refresh(client, tokens["refresh_token"]).json()
    assert DeviceApiToken.objects.count() == 4
    DeviceApiToken.objects.filter(rotated_at__isnull=False).update(
        refresh_expires_at=timezone.now() - timedelta(seconds=1)
    )
    tokens = refresh(client, tokens["refresh_token"]).json()
    assert DeviceApiToken.objects.count() == 2  # the one just rotated, and the new one


# --- Revoke -----------------------------------------------------------------------------


def test_revoking_the_device_ends_its_page_and_api_tokens(client, code, at_home, ward_nurse):
    tokens = claim(client, code)
    page_code = services.enrolment_issue(staff=ward_nurse, unit=at_home.ward, episode=at_home)
    page_token = services.enrolment_claim(code=page_code)
    for enrolment in DeviceEnrolment.objects.all():
        services.enrolment_revoke(staff=ward_nurse, unit=at_home.ward, enrolment=enrolment)
    assert ingest(client, tokens["access_token"]).status_code == 401
    assert_error(refresh(client, tokens["refresh_token"]), "invalid_grant")
    assert services.device_for_token(page_token) is None
    assert not DeviceApiToken.objects.filter(revoked_at__isnull=True).exists()


def test_the_episode_page_shows_an_api_integration(code, as_ward_nurse, at_home):
    claim(as_ward_nurse, code, label="Vågen")
    body = as_ward_nurse.get(reverse("monitoring:episode", args=[at_home.pk])).content.decode()
    assert "API-integration (Vågen)" in body and "Token förnyad" in body


# --- Hostile requests: RFC 6749 JSON, never HTML or a 500 -------------------------------


G = f"grant_type={DEVICE_CODE}"
HOSTILE_FORMS = [
    "",
    "code=ABCDEFGH",  # no grant_type
    G,  # no code
    "grant_type=refresh_token",  # no refresh_token
    f"{G}&grant_type=refresh_token&code=x",  # a parameter twice (RFC 6749 3.2)
    f"{G}&code=%ff%fe",  # not UTF-8
    f"{G}&code=%ED%A0%80",  # a surrogate, UTF-8-encoded
    f"{G}&code=AB%00CD",  # NUL
    b"grant_type=\xff",
    "&".join(f"f{i}=1" for i in range(50)),
    f"{G}&code={'A' * 65}",
    f"{G}&code=x&label={'x' * 101}",
]
HOSTILE_JSON = [
    "{",
    "[]",
    '"grant_type"',
    '{"grant_type": 1, "code": "x"}',
    json.dumps({"grant_type": DEVICE_CODE, "code": ["A"]}),
    json.dumps({"grant_type": DEVICE_CODE, "code": None}),
    json.dumps({"grant_type": DEVICE_CODE, "code": "\ud800"}),  # a lone surrogate
    json.dumps({"grant_type": DEVICE_CODE, "code": "A", "label": "\udfff"}),
    '{"grant_type": "a", "grant_type": "b"}',
    "[" * 100_000,
]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(body, FORM) for body in HOSTILE_FORMS]
    + [(body, "application/json") for body in HOSTILE_JSON]
    + [("grant_type=x", "text/plain"), (f"{G}&code=x", "multipart/form-data; boundary=x")],
)
def test_a_hostile_body_is_a_400_invalid_request(client, code, body, content_type):
    response = client.post(URL, body, content_type=content_type)
    assert_error(response, "invalid_request")
    assert not DeviceApiToken.objects.exists()
    assert not DeviceEnrolment.objects.filter(claimed_at__isnull=False).exists()


def test_an_unknown_grant_type_is_unsupported(client, code):
    assert_error(form(client, grant_type="password", code=code), "unsupported_grant_type")
    assert_error(form(client, grant_type="authorization_code", code=code), "unsupported_grant_type")
    assert not DeviceApiToken.objects.exists()


@pytest.mark.parametrize("size", [5_000, 3_000_000])
def test_a_huge_body_is_a_400(client, code, size):
    body = f"{G}&code={code}&pad=" + "x" * size
    assert_error(client.post(URL, body, content_type=FORM), "invalid_request")
    assert not DeviceApiToken.objects.exists()


def test_unknown_parameters_are_ignored(client, code):
    response = form(client, grant_type=DEVICE_CODE, code=code, scope="anything", x="y")
    assert response.status_code == 200


def test_only_post(client):
    response = client.get(URL)
    assert_error(response, "invalid_request", 405)
    assert response["Allow"] == "POST"


def test_a_claim_and_a_refresh_take_few_queries(client, code):
    with CaptureQueriesContext(connection) as claimed:
        tokens = claim(client, code)
    with CaptureQueriesContext(connection) as refreshed:
        refresh(client, tokens["refresh_token"])
    assert len(claimed) <= 8 and len(refreshed) <= 8
