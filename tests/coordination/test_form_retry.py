"""Issue 19 on the case page: an estimate the form refuses comes back once on the same
case's page, its date kept and its error at the field."""

import pytest
from django.urls import reverse

from tests.conftest import client_for
from tests.coordination.test_discharge_coordination import case  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def test_a_bad_estimate_comes_back_at_its_field_once(client, case, ward_nurse):  # noqa: F811
    as_nurse = client_for(client, ward_nurse)
    url = reverse("coordination:act", args=[case.pk, "estimate"])
    data = {"estimated_discharge": "1999-01-01", "base_version": case.version}
    response = as_nurse.post(url, data)
    assert response.status_code == 302
    page = as_nurse.get(reverse("coordination:case", args=[case.pk])).content.decode()
    form = page[page.index(f'action="{url}"') :]
    form = form[: form.index("</form>")]
    assert 'value="1999-01-01"' in form and 'aria-invalid="true"' in form
    assert 'id="id_estimated_discharge_error"' in form
    case.refresh_from_db()
    assert str(case.estimated_discharge) != "1999-01-01"
    again = as_nurse.get(reverse("coordination:case", args=[case.pk])).content.decode()
    assert "1999-01-01" not in again
