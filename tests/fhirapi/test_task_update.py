"""The municipality's system answers a care request by PUT of its Task: read, question,
accepted or declined (and the ward's system answers a question or withdraws), through the
inbox's own services, with If-Match against the current version."""

import json

import pytest
from django.core.management import call_command
from django.db import connection

from hemma.accounts.models import Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.carerequests.models import CareRequest, CareRequestMessage
from hemma.patients.services import sharing_consent_revoke

from .conftest import access_token, get, register, valid_r4

pytestmark = pytest.mark.django_db
WARD = "system/Task.read system/Task.write"
MUNICIPAL = "system/Task.read system/Task.write"


@pytest.fixture
def demo():
    call_command("load_demo", quiet=True)


@pytest.fixture
def sent(demo) -> CareRequest:
    """Omar's care request to home health care, sent from the ward, not yet read."""
    return CareRequest.objects.select_related("episode__patient").get(
        episode__patient__first_name="Omar", kind="home_health", status="sent"
    )


@pytest.fixture
def ward_system(client, sent, rsa_key):
    register("cosmic", sent.from_unit, rsa_key, scopes=WARD)
    return access_token(client, rsa_key, "cosmic", WARD)


@pytest.fixture
def municipal_system(client, sent, ec_key):
    """The home-health unit's own system (e.g. its municipal record)."""
    register("hsv-journal", sent.to_unit, ec_key, scopes=MUNICIPAL)
    return access_token(client, ec_key, "hsv-journal", MUNICIPAL)


def read(client, care_request, token):
    response = get(client, f"/fhir/Task/{care_request.pk}", token)
    assert response.status_code == 200, response.json()
    return valid_r4(response.json()), response["ETag"]


def put(client, care_request, task, token, if_match=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if if_match is not None:
        headers["HTTP_IF_MATCH"] = if_match
    return client.put(
        f"/fhir/Task/{care_request.pk}",
        json.dumps(task),
        content_type="application/fhir+json",
        **headers,
    )


def changed(task, status, reason=None):
    body = {k: v for k, v in task.items() if k not in ("statusReason",)}
    body["status"] = status
    if reason is not None:
        body["statusReason"] = {"text": reason}
    return body


def test_the_receiver_reads_then_accepts_with_if_match(client, sent, municipal_system):
    task, etag = read(client, sent, municipal_system)
    assert task["status"] == "requested" and etag == f'W/"{task["meta"]["versionId"]}"'
    response = put(client, sent, changed(task, "received"), municipal_system, if_match=etag)
    assert response.status_code == 200, response.json()
    received = valid_r4(response.json())
    assert received["status"] == "received" and response["ETag"] != etag
    response = put(client, sent, changed(received, "accepted"), municipal_system, response["ETag"])
    assert response.status_code == 200, response.json()
    assert valid_r4(response.json())["status"] == "accepted"
    sent.refresh_from_db()
    assert sent.status == "accepted" and sent.answered_by.profession == "system"
    assert response.json() == read(client, sent, municipal_system)[0]  # read after write


def test_a_stale_if_match_is_412_and_changes_nothing(client, sent, municipal_system):
    task, etag = read(client, sent, municipal_system)
    assert put(client, sent, changed(task, "received"), municipal_system, etag).status_code == 200
    late = put(client, sent, changed(task, "accepted"), municipal_system, if_match=etag)
    assert late.status_code == 412
    assert valid_r4(late.json())["issue"][0]["code"] == "conflict"
    sent.refresh_from_db()
    assert sent.status == "sent"
    garbage = put(client, sent, changed(task, "accepted"), municipal_system, if_match="nonsense")
    assert garbage.status_code == 412


def test_declining_needs_a_reason_and_keeps_it(client, sent, municipal_system):
    task, _ = read(client, sent, municipal_system)
    missing = put(client, sent, changed(task, "rejected"), municipal_system)
    assert missing.status_code == 400
    assert valid_r4(missing.json())["issue"][0]["expression"] == ["Task.statusReason"]
    sent.refresh_from_db()
    assert sent.status == "sent"
    response = put(
        client, sent, changed(task, "rejected", "Ingen kapacitet i helgen"), municipal_system
    )
    assert response.status_code == 200, response.json()
    assert response.json()["statusReason"]["text"] == "Ingen kapacitet i helgen"
    sent.refresh_from_db()
    assert (sent.status, sent.decline_reason) == ("declined", "Ingen kapacitet i helgen")
    again = put(client, sent, changed(task, "accepted"), municipal_system)
    assert again.status_code == 409  # already answered


def test_a_question_and_the_wards_answer(client, sent, municipal_system, ward_system):
    task, _ = read(client, sent, municipal_system)
    asked = put(client, sent, changed(task, "on-hold", "Vilken tid passar?"), municipal_system)
    assert asked.status_code == 200, asked.json()
    assert asked.json()["status"] == "on-hold"
    question = CareRequestMessage.objects.get(care_request=sent)
    assert (question.kind, question.text) == ("question", "Vilken tid passar?")
    on_hold = asked.json()
    not_theirs = put(client, sent, changed(on_hold, "requested", "Förmiddag"), municipal_system)
    assert not_theirs.status_code == 403  # only the sender answers
    unanswered = put(client, sent, changed(on_hold, "requested"), ward_system)
    assert unanswered.status_code == 422
    answered = put(client, sent, changed(on_hold, "requested", "Förmiddag"), ward_system)
    assert answered.status_code == 200, answered.json()
    assert answered.json()["status"] == "received"  # open again, already read
    outputs = [o["valueString"] for o in answered.json()["output"]]
    assert outputs == ["Vilken tid passar?", "Förmiddag"]


def test_each_side_does_only_its_own_part(client, sent, municipal_system, ward_system):
    task, _ = read(client, sent, ward_system)
    assert put(client, sent, changed(task, "accepted"), ward_system).status_code == 403
    assert put(client, sent, changed(task, "received"), ward_system).status_code == 403
    refused = put(client, sent, changed(task, "cancelled", "Fel enhet"), municipal_system)
    assert refused.status_code == 403
    withdrawn = put(client, sent, changed(task, "cancelled", "Fel enhet"), ward_system)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "cancelled"
    sent.refresh_from_db()
    assert sent.status == "withdrawn"


def test_putting_the_current_status_changes_nothing(client, sent, municipal_system):
    task, etag = read(client, sent, municipal_system)
    response = put(client, sent, task, municipal_system, if_match=etag)
    assert response.status_code == 200 and response["ETag"] == etag
    assert response.json()["status"] == "requested"


@pytest.mark.parametrize(
    "change, code, expression",
    [
        ({"id": "999999"}, "invalid", "Task.id"),
        ({"focus": {"reference": "ServiceRequest/999999"}}, "invalid", "Task.focus"),
        ({"status": "completed"}, "not-supported", "Task.status"),
        ({"status": "nonsense"}, "not-supported", "Task.status"),
        ({"authoredOn": "igår"}, "value", "Task.authoredOn"),
        ({"colour": "red"}, "structure", "Task.colour"),
        ({"intent": None}, "structure", "Task.intent"),
    ],
)
def test_a_bad_task_is_400_and_nothing_changes(
    client, sent, municipal_system, change, code, expression
):
    task, _ = read(client, sent, municipal_system)
    body = {**task, **change}
    response = put(client, sent, body, municipal_system)
    assert response.status_code == 400, response.json()
    issue = valid_r4(response.json())["issue"][0]
    assert issue["code"] == code and expression in issue["expression"][0], issue
    sent.refresh_from_db()
    assert (sent.status, sent.read_at) == ("sent", None)


def test_hostile_bodies_get_400(client, sent, municipal_system):
    for body in ("{", "[]", '{"resourceType": "Task", "status": "\\ud800"}', "[" * 5000):
        response = client.put(
            f"/fhir/Task/{sent.pk}",
            body,
            content_type="application/fhir+json",
            HTTP_AUTHORIZATION=f"Bearer {municipal_system}",
        )
        assert response.status_code == 400, body
        assert response.json()["resourceType"] == "OperationOutcome"


def test_the_policy_and_the_scopes_come_first(client, sent, rsa_key, ec_key):
    home_care = Unit.objects.get(kind="home_care")  # social services: no health record
    register("hemtjanst", home_care, rsa_key, scopes=MUNICIPAL)
    outsider = access_token(client, rsa_key, "hemtjanst", MUNICIPAL)
    body = {"resourceType": "Task", "id": str(sent.pk), "status": "accepted", "intent": "order"}
    assert put(client, sent, body, outsider).status_code == 404
    denied = AccessLogEntry.objects.filter(patient=sent.episode.patient, outcome="denied")
    assert denied.filter(detail__contains=f"Task/{sent.pk}").exists()
    register("reader", sent.to_unit, ec_key, scopes="system/Task.read")
    reader = access_token(client, ec_key, "reader", "system/Task.read")
    assert put(client, sent, body, reader).status_code == 403  # no write scope
    sent.refresh_from_db()
    assert sent.status == "sent"


def test_a_municipal_system_after_consent_revocation_changes_nothing(
    client, sent, municipal_system
):
    anna = Staff.objects.get(user__username="anna.ssk")
    sharing_consent_revoke(staff=anna, unit=sent.from_unit, patient=sent.episode.patient)
    body = {"resourceType": "Task", "id": str(sent.pk), "status": "accepted", "intent": "order"}
    response = put(client, sent, body, municipal_system)
    assert response.status_code == 404
    sent.refresh_from_db()
    assert sent.status == "sent"
    denied = AccessLogEntry.objects.filter(patient=sent.episode.patient, outcome="denied")
    assert denied.filter(detail__contains=f"Task/{sent.pk}").exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_systems_answering_at_once_one_wins_the_other_gets_412(rsa_key, ec_key):
    """Accept and decline race with the same If-Match: the row lock orders them, the second
    finds a new version and changes nothing."""
    import threading

    from django.db import connections
    from django.test import Client

    call_command("load_demo", quiet=True)
    sent = CareRequest.objects.get(
        episode__patient__first_name="Omar", kind="home_health", status="sent"
    )
    register("hsv-a", sent.to_unit, ec_key, scopes=MUNICIPAL)
    token = access_token(Client(), ec_key, "hsv-a", MUNICIPAL)
    task, etag = read(Client(), sent, token)
    bodies = [changed(task, "accepted"), changed(task, "rejected", "Ingen plats")]
    barrier, statuses = threading.Barrier(2), []

    def answer(body):
        try:
            barrier.wait(timeout=10)
            statuses.append(put(Client(), sent, body, token, if_match=etag).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 412], statuses
    sent.refresh_from_db()
    assert sent.status in ("accepted", "declined")
