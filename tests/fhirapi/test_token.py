"""SMART Backend Services: the JWT client assertion flow and the token's limits."""

import pytest
from django.db import connection
from django.urls import reverse
from joserfc.jwk import RSAKey

from hemma.fhirapi.models import AccessToken, SystemClient, UsedAssertion

from .conftest import ALL_READ, access_token, assertion, get, register, token_request

pytestmark = pytest.mark.django_db


def test_a_valid_rs384_assertion_gets_a_short_lived_bearer_token(client, ward_client, rsa_key):
    response = token_request(client, assertion(rsa_key, "ehr-cosmic"))
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 300
    assert set(body["scope"].split()) == set(ALL_READ.split())
    assert response["Cache-Control"] == "no-store"
    stored = AccessToken.objects.get()
    assert body["access_token"] not in stored.token_hash  # only the hash is kept


def test_an_es384_key_works_too(client, ward, ec_key):
    register("vendor-ec", ward, ec_key)
    assert token_request(client, assertion(ec_key, "vendor-ec")).status_code == 200


def test_the_token_opens_the_api_and_an_expired_one_does_not(client, ward_token, kim):
    assert get(client, "/fhir/Patient", ward_token).status_code == 200
    AccessToken.objects.update(expires_at="2020-01-01T00:00:00Z")
    response = get(client, "/fhir/Patient", ward_token)
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"
    assert "Bearer" in response["WWW-Authenticate"]


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"exp_in": -60}, "expired"),
        ({"exp_in": 3600}, "5 minutes"),
        ({"aud": "https://evil.example/token"}, "aud"),
    ],
)
def test_assertion_claims_are_checked(client, ward_client, rsa_key, change, expected):
    response = token_request(client, assertion(rsa_key, "ehr-cosmic", **change))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert expected in response.json()["error_description"]
    assert not AccessToken.objects.exists()


def test_an_assertion_signed_with_another_key_is_refused(client, ward_client):
    stranger = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})  # same kid, other key
    response = token_request(client, assertion(stranger, "ehr-cosmic"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert not AccessToken.objects.exists()


def test_a_replayed_jti_is_refused(client, ward_client, rsa_key):
    signed = assertion(rsa_key, "ehr-cosmic", jti="once-only")
    assert token_request(client, signed).status_code == 200
    replay = token_request(client, signed)
    assert replay.status_code == 401
    assert "already used" in replay.json()["error_description"]
    assert AccessToken.objects.count() == 1
    assert UsedAssertion.objects.count() == 1


def test_a_scope_not_registered_for_the_client_is_refused(client, ward, rsa_key):
    register("reader", ward, rsa_key, scopes="system/Observation.read")
    response = token_request(client, assertion(rsa_key, "reader"), "system/Patient.read")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    assert not AccessToken.objects.exists()


def test_a_token_without_the_resource_scope_gets_403(client, ward, rsa_key, kim):
    register("reader", ward, rsa_key, scopes="system/Observation.read")
    token = access_token(client, rsa_key, "reader", "system/Observation.read")
    response = get(client, "/fhir/Patient", token)
    assert response.status_code == 403
    assert response.json()["issue"][0]["code"] == "forbidden"


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"client_assertion_type": "secret"}, "invalid_request"),
        ({"client_assertion": "not.a.jwt"}, "invalid_client"),
        ({"client_assertion": ""}, "invalid_request"),
        ({"scope": ""}, "invalid_scope"),
        ({"scope": "patient/*.read"}, "invalid_scope"),
    ],
)
def test_malformed_token_requests_get_oauth_errors(client, ward_client, rsa_key, overrides, error):
    response = token_request(client, assertion(rsa_key, "ehr-cosmic"), **overrides)
    assert response.status_code in (400, 401)
    assert response.json()["error"] == error
    assert not AccessToken.objects.exists()


def test_an_unknown_or_deactivated_client_is_refused(client, ward_client, rsa_key):
    assert token_request(client, assertion(rsa_key, "nobody")).status_code == 401
    SystemClient.objects.update(active=False)
    assert token_request(client, assertion(rsa_key, "ehr-cosmic")).status_code == 401


def test_the_token_endpoint_takes_post_only(client):
    assert client.get(reverse("fhirapi:token")).status_code == 405


def test_registration_refuses_private_keys_and_bad_scopes(ward, rsa_key):
    with pytest.raises(ValueError, match="public keys only"):
        from hemma.fhirapi.services import system_client_register

        system_client_register(
            client_id="leaky",
            name="Leaky",
            unit=ward,
            jwks={"keys": [rsa_key.as_dict(private=True)]},
            scopes=ALL_READ,
        )
    with pytest.raises(ValueError, match="unsupported scope"):
        register("odd", ward, rsa_key, scopes="user/*.read")
    assert not SystemClient.objects.exists()


def test_a_system_client_cannot_log_in_to_the_web(client, ward_client):
    user = ward_client.staff.user
    assert not user.has_usable_password()
    assert ward_client.staff.profession == "system"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_one_assertion_sent_twice_at_once_gives_one_token(ward, rsa_key):
    """A replay racing the original: the unique (client, jti) constraint lets one through."""
    import threading

    from django.db import connections
    from django.test import Client

    register("racer", ward, rsa_key)
    for round_number in range(5):
        signed = assertion(rsa_key, "racer", jti=f"race-{round_number}")
        barrier, statuses = threading.Barrier(2), []

        def send(barrier=barrier, statuses=statuses, signed=signed):
            try:
                barrier.wait(timeout=10)
                statuses.append(token_request(Client(), signed).status_code)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(statuses) == [200, 401], statuses
    assert AccessToken.objects.count() == 5
