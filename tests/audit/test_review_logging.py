"""Reads through lists reach the patient's extract, and log review is itself logged."""

import pytest
from django.urls import reverse

from hemma.audit.models import AccessLogEntry

pytestmark = pytest.mark.django_db

EXTRACT = reverse("audit:extract")


def test_the_extract_lists_a_read_made_through_a_list_page(client, kim, ward_nurse, reviewer):
    client.force_login(ward_nurse.user)
    assert client.get(reverse("patients:list")).status_code == 200
    client.force_login(reviewer.user)
    response = client.post(EXTRACT, {"personal_number": kim.formatted_personal_number})
    listed = str(AccessLogEntry.Action.LIST_PATIENTS.label)
    rows = [row for row in response.context["extract"].rows if row.action == listed]
    assert [row.unit for row in rows] == ["Infektionsavdelning"]
    reads = AccessLogEntry.objects.filter(patient=kim, action=AccessLogEntry.Action.LIST_PATIENTS)
    assert [entry.user_id for entry in reads] == [ward_nurse.user_id]
    assert "Visade patientlista" in response.content.decode()


def test_reading_the_log_review_is_logged_per_patient_shown(
    client, kim, lisa, ward_nurse, reviewer
):
    client.force_login(ward_nurse.user)
    client.get(reverse("patients:detail", args=[kim.pk]))
    client.get(reverse("patients:detail", args=[lisa.pk]))
    client.force_login(reviewer.user)
    assert client.get(reverse("audit:review")).status_code == 200
    review_reads = AccessLogEntry.objects.filter(
        user=reviewer.user, purpose=AccessLogEntry.Purpose.LOG_REVIEW
    )
    assert {entry.patient_id for entry in review_reads} == {kim.pk, lisa.pk}
    # an unchanged reload within the repeat window adds nothing
    client.get(reverse("audit:review"))
    assert review_reads.count() == 2
