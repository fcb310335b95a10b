"""Issue 19 on the medication page: a course's end or a switch to tablets that fails comes
back once in its item's row, the errors at their fields in Swedish, the typed values kept,
and no new version of the list."""

from datetime import timedelta

import pytest
from django.urls import reverse

from hemma.medication.models import MedicationListVersion
from tests.form_pages import form_at, page_text

pytestmark = pytest.mark.django_db


def page_of(client, episode) -> str:
    return page_text(client, reverse("medication:episode", args=[episode.pk]))


@pytest.fixture
def iv_item(listed):
    return listed.items.get(drug="Cefotaxim")


def test_a_bad_course_end_comes_back_at_its_fields_once(as_physician, listed, iv_item):
    url = reverse("medication:item_act", args=[iv_item.pk, "end"])
    response = as_physician.post(url, {"ends_on": "2026-02-31", "reason": "x" * 501})
    assert response.status_code == 302
    body = page_of(as_physician, listed.episode)
    form = form_at(body, url)
    prefix = f"end{iv_item.pk}_"
    assert 'value="2026-02-31"' in form and 'value="' + "x" * 501 + '"' in form
    assert f'id="{prefix}ends_on_error"' in form and f'id="{prefix}reason_error"' in form
    assert f'aria-describedby="{prefix}ends_on_error"' in form
    assert 'aria-invalid="true"' in form and "Fyll i ett giltigt datum." in form
    assert "som mest 500 tecken" in form and "Sista dagen" in form
    assert MedicationListVersion.objects.filter(episode=listed.episode).count() == 1
    assert 'aria-invalid="true"' not in page_of(as_physician, listed.episode)


def test_a_refused_course_end_shows_the_refusal_as_the_forms_error(
    as_physician, listed, iv_item, today
):
    url = reverse("medication:item_act", args=[iv_item.pk, "end"])
    before = (today - timedelta(days=3)).isoformat()
    as_physician.post(url, {"ends_on": before, "reason": "Klar"})
    form = form_at(page_of(as_physician, listed.episode), url)
    assert "Sista dagen ligger före kurens start." in form
    assert f'value="{before}"' in form and 'value="Klar"' in form
    assert MedicationListVersion.objects.filter(episode=listed.episode).count() == 1


def test_a_bad_switch_to_tablets_keeps_what_was_typed(as_physician, listed, iv_item):
    url = reverse("medication:item_act", args=[iv_item.pk, "oral"])
    data = {"drug": "", "dose": "500 mg", "times": "08, 20", "starts_on": "i morgon"}
    assert as_physician.post(url, data | {"reason": "Feberfri"}).status_code == 302
    form = form_at(page_of(as_physician, listed.episode), url)
    prefix = f"oral{iv_item.pk}_"
    assert f'id="{prefix}drug_error"' in form and f'id="{prefix}starts_on_error"' in form
    assert "Detta fält måste fyllas i." in form and "Fyll i ett giltigt datum." in form
    assert 'value="500 mg"' in form and 'value="i morgon"' in form and 'value="Feberfri"' in form
    assert f'id="{prefix}dose_error"' not in form
    assert "Läkemedel (tabletter)" in form and ">drug<" not in form
    assert MedicationListVersion.objects.filter(episode=listed.episode).count() == 1


def test_a_refused_switch_is_the_forms_own_error(as_physician, listed, iv_item, today):
    url = reverse("medication:item_act", args=[iv_item.pk, "oral"])
    data = {
        "drug": "Cefuroxim",
        "dose": "500 mg",
        "times": "08, 20",
        "starts_on": (today - timedelta(days=5)).isoformat(),
        "reason": "Feberfri",
    }
    as_physician.post(url, data)
    form = form_at(page_of(as_physician, listed.episode), url)
    assert "Tabletterna börjar efter den intravenösa kurens första dag." in form
    assert 'value="Cefuroxim"' in form
    assert MedicationListVersion.objects.filter(episode=listed.episode).count() == 1


def test_undecodable_bytes_and_null_characters_are_errors_not_a_500(as_physician, listed, iv_item):
    """A lone surrogate's bytes (%ED%A0%80) reach the form as U+FFFD; a NUL is refused."""
    url = reverse("medication:item_act", args=[iv_item.pk, "oral"])
    body = "drug=a%00b&dose=%ED%A0%80&times=08&starts_on=%ED%A0%80&reason=x"
    response = as_physician.post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    form = form_at(page_of(as_physician, listed.episode), url)
    prefix = f"oral{iv_item.pk}_"
    assert f'id="{prefix}drug_error"' in form and f'id="{prefix}starts_on_error"' in form
    assert "\ufffd" in form and "Null-tecken är inte tillåtna." in form
    assert MedicationListVersion.objects.filter(episode=listed.episode).count() == 1


def test_another_items_form_is_not_filled_in(as_physician, listed, iv_item):
    url = reverse("medication:item_act", args=[iv_item.pk, "end"])
    as_physician.post(url, {"ends_on": "", "reason": "Unik orsak"})
    other = listed.items.get(drug="Paracetamol")
    body = page_of(as_physician, listed.episode)
    other_url = reverse("medication:item_act", args=[other.pk, "end"])
    assert "Unik orsak" not in form_at(body, other_url)
    assert "Unik orsak" in form_at(body, url)


def test_a_mistyped_year_is_an_error_at_its_field(as_physician, listed, iv_item):
    url = reverse("medication:item_act", args=[iv_item.pk, "end"])
    as_physician.post(url, {"ends_on": "3026-01-01", "reason": "Klar"})
    form = form_at(page_of(as_physician, listed.episode), url)
    assert f'id="end{iv_item.pk}_ends_on_error"' in form and "Kontrollera årtalet." in form
    assert 'value="3026-01-01"' in form and 'value="Klar"' in form
    assert MedicationListVersion.objects.filter(episode=listed.episode).count() == 1
