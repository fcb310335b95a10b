"""Issue 19 on the log review page: an emergency access review that is not saved comes back
once in its access's row, the error at the comment in Swedish and the comment kept; a
service's refusal is the form's own error there; the comment has a maxlength."""

import pytest
from django.urls import reverse

from hemma.patients.models import EmergencyAccess
from tests.conftest import client_for, make_staff
from tests.form_pages import form_at, page_text, tag

pytestmark = pytest.mark.django_db
REVIEW = reverse("audit:review")


def _emergency(client, staff) -> EmergencyAccess:
    client_for(client, staff).post(
        reverse("patients:emergency_access"),
        {"personal_number": "194405149057", "reason": "Akut försämring på natten"},
    )
    return EmergencyAccess.objects.get()


def test_a_too_long_comment_comes_back_in_its_row_once(client, reviewer, primary_care, kim):
    access = _emergency(client, make_staff("vcnurse", "nurse", primary_care))
    as_reviewer = client_for(client, reviewer)
    url = reverse("audit:emergency_review", args=[access.pk])
    response = as_reviewer.post(url, {"note": "k" * 1001})
    assert response.status_code == 302
    access.refresh_from_db()
    assert access.reviewed_at is None
    form = form_at(page_text(as_reviewer, REVIEW), url)
    textarea = tag(form, "note")
    assert 'aria-invalid="true"' in textarea and 'maxlength="1000"' in textarea
    assert f'aria-describedby="note-{access.pk}_error"' in textarea
    assert f'id="note-{access.pk}_error"' in form and "som mest 1000 tecken" in form
    assert "k" * 1001 in form
    again = form_at(page_text(as_reviewer, REVIEW), url)
    assert "som mest 1000 tecken" not in again and "k" * 1001 not in again
    assert 'maxlength="1000"' in again


def test_a_refusal_is_the_forms_own_error_in_its_row(client, reviewer, kim):
    access = _emergency(client, reviewer)
    url = reverse("audit:emergency_review", args=[access.pk])
    client.post(url, {"note": "Min egen"})
    form = form_at(page_text(client, REVIEW), url)
    assert "din egen nödåtkomst" in form.split("<label")[0]
    assert "Min egen" in form
    access.refresh_from_db()
    assert access.reviewed_at is None
