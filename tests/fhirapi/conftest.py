"""System clients with real keys, signed assertions, tokens from the real endpoint, and
an independent check of every resource Hemma emits against the FHIR R4B models."""

import time
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from hemma.fhirapi import services as fhir_services
from hemma.monitoring import services as monitoring
from tests.monitoring.conftest import at_home  # noqa: F401 - the fixture, shared

TOKEN_URL = "http://testserver/oauth/token"
ALL_READ = "system/Patient.read system/Encounter.read system/Observation.read"


@pytest.fixture(scope="session")
def rsa_key():
    return RSAKey.generate_key(2048, parameters={"kid": "rsa-1", "alg": "RS384"})


@pytest.fixture(scope="session")
def ec_key():
    return ECKey.generate_key("P-384", parameters={"kid": "ec-1", "alg": "ES384"})


def register(client_id, unit, *keys, scopes=ALL_READ, log_review=False):
    return fhir_services.system_client_register(
        client_id=client_id,
        name=f"Integration {client_id}",
        unit=unit,
        jwks={"keys": [key.as_dict(private=False) for key in keys]},
        scopes=scopes,
        log_review=log_review,
    )


def assertion(key, client_id, *, aud=TOKEN_URL, exp_in=240, jti=None, alg=None, **claims):
    now = int(time.time())
    payload = {
        "iss": client_id,
        "sub": client_id,
        "aud": aud,
        "exp": now + exp_in,
        "jti": jti or str(uuid.uuid4()),
        **claims,
    }
    alg = alg or ("ES384" if isinstance(key, ECKey) else "RS384")
    header = {"alg": alg, "kid": key.kid, "typ": "JWT"}
    return jwt.encode(header, payload, key, algorithms=[alg])


def token_request(client, signed, scope=ALL_READ, **overrides):
    form = {
        "grant_type": "client_credentials",
        "scope": scope,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": signed,
        **overrides,
    }
    return client.post(reverse("fhirapi:token"), form)


def access_token(client, key, client_id, scope=ALL_READ) -> str:
    response = token_request(client, assertion(key, client_id), scope)
    assert response.status_code == 200, response.json()
    return response.json()["access_token"]


def valid_r4(resource: dict) -> dict:
    """Validate with the fhir.resources R4B models (not Hemma's code), Bundle entries
    included; returns the resource for chaining."""
    model = get_fhir_model_class(resource["resourceType"])
    model.model_validate(resource)
    return resource


@pytest.fixture
def ward_client(ward, rsa_key):
    return register("ehr-cosmic", ward, rsa_key)


@pytest.fixture
def ward_token(client, ward_client, rsa_key):
    return access_token(client, rsa_key, "ehr-cosmic")


@pytest.fixture
def readings(at_home):  # noqa: F811 - the shared fixture
    """Two sets at home: one full morning set, one afternoon pulse + SpO2."""
    morning = timezone.now().replace(microsecond=0) - timedelta(hours=6)
    monitoring.observation_record(
        episode=at_home,
        values={
            "pulse": 72,
            "spo2": 97,
            "systolic_bp": 128,
            "diastolic_bp": 78,
            "temperature": 36.8,
            "respiration_rate": 16,
        },
        source="patient",
        client_id="morning",
        measured_at=morning,
    )
    monitoring.observation_record(
        episode=at_home,
        values={"pulse": 96, "spo2": 94},
        source="patient",
        client_id="afternoon",
        measured_at=morning + timedelta(hours=5),
    )
    return at_home


def get(client, url, token, **params):
    return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {token}")
