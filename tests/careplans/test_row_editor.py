"""Issue 19: the agreement editor has rows of inputs for the activities and contacts (no
"|"-separated text). A refused save shows the errors at the row's field with what was typed
(400, nothing saved); empty rows are left out; "Lägg till rad" adds a row without
JavaScript; templates are edited the same way."""

import re

import pytest
from django.urls import reverse

from hemma.careplans.models import AgreementTemplate
from tests.careplans.editor import editor_data
from tests.flow import OPAT, to_assessed, write_agreement

pytestmark = pytest.mark.django_db

BLANK_ACTIVITY = {"what": "", "who": "", "how_often": "", "times": ""}
BLANK_CONTACT = {"name": "", "phone": "", "hours": ""}
ANTIBIOTICS = {
    "what": "IV-antibiotika",
    "who": "Hemsjukvården, sjuksköterska",
    "how_often": "Dagligen",
    "times": "08:00, 16:00, 23:30",
}
WOUND = {"what": "Sårvård", "who": "Hemsjukvården", "how_often": "Varannan dag", "times": ""}
WARD = {"name": "Infektionsavdelning 30", "phone": "023-49 00 30", "hours": "Dygnet runt"}


@pytest.fixture
def agreement(kim, ward, ward_nurse, physician):
    episode = to_assessed(patient=kim, ward=ward, nurse=ward_nurse, physician=physician)
    return write_agreement(episode, ward_nurse)


def current(agreement):
    agreement.refresh_from_db()
    return agreement.versions.get(number=agreement.current_number)


def revise_url(agreement):
    return reverse("careplans:revise", args=[agreement.episode_id])


def revision(agreement, **changes):
    return editor_data(
        current(agreement).content(),
        **{"base_number": agreement.current_number, "change_note": "Rader"} | changes,
    )


def test_the_page_shows_one_row_per_activity_with_its_times(agreement, as_ward_nurse):
    body = as_ward_nurse.get(revise_url(agreement)).content.decode()
    activities = current(agreement).activities
    assert 'name="activities-TOTAL_FORMS"' in body and "Lägg till rad" in body
    assert "|" not in re.sub(r"<[^>]*>", "", body.split('name="activities-TOTAL_FORMS"')[1])
    # OPAT: "Dagligen 08" → how often "Dagligen", clock time 08:00
    first = activities[0]
    assert f'name="activities-0-what" value="{first["what"]}"' in body
    assert 'name="activities-0-how_often" value="Dagligen"' in body
    assert 'name="activities-0-times" value="08:00"' in body
    # three empty rows to write in
    assert f'name="activities-{len(activities) + 2}-what"' in body


def test_revise_with_rows(agreement, as_ward_nurse):
    data = revision(
        agreement,
        activities=[ANTIBIOTICS, WOUND, BLANK_ACTIVITY],
        contacts=[WARD, BLANK_CONTACT],
    )
    response = as_ward_nurse.post(revise_url(agreement), data)
    assert response.status_code == 302
    version = current(agreement)
    assert version.number == 2
    assert version.activities == [
        {
            "what": "IV-antibiotika",
            "who": "Hemsjukvården, sjuksköterska",
            "when": "Dagligen 08:00, 16:00, 23:30",
        },
        {"what": "Sårvård", "who": "Hemsjukvården", "when": "Varannan dag"},
    ]
    assert version.contacts == [WARD]
    page = as_ward_nurse.get(reverse("careplans:agreement", args=[agreement.episode_id]))
    assert "Dagligen 08:00, 16:00, 23:30" in page.content.decode()


def test_an_unchanged_page_keeps_the_activities(agreement, as_ward_nurse):
    before = current(agreement).activities
    response = as_ward_nurse.post(revise_url(agreement), revision(agreement, if_worse="Ny"))
    assert response.status_code == 302
    after = current(agreement).activities
    assert [a["what"] for a in after] == [a["what"] for a in before]
    assert after[0]["when"] == "Dagligen 08:00"


@pytest.mark.parametrize("bad", ["25", "-5", "varje timme"])
def test_a_bad_time_is_an_error_at_the_field_with_the_input_kept(agreement, as_ward_nurse, bad):
    wound = WOUND | {"times": f"09:00, {bad}"}
    data = revision(agreement, activities=[ANTIBIOTICS, wound], if_worse="Min text")
    response = as_ward_nurse.post(revise_url(agreement), data)
    assert response.status_code == 400
    body = response.content.decode()
    cell = body.split('name="activities-1-times"')[1].split("</td>")[0]
    assert "Aktivitet 2 (Sårvård)" in cell and f"{bad}" in cell
    assert f'value="09:00, {bad}"' in body
    assert 'value="Varannan dag"' in body and "Min text" in body
    assert 'value="08:00, 16:00, 23:30"' in body
    assert current(agreement).number == 1 and agreement.versions.count() == 1


def test_a_row_without_who_is_an_error_and_a_removed_row_is_not_kept(agreement, as_ward_nurse):
    data = revision(agreement, activities=[ANTIBIOTICS, WOUND | {"who": ""}])
    response = as_ward_nurse.post(revise_url(agreement), data)
    assert response.status_code == 400
    assert "Detta fält måste fyllas i" in response.content.decode()
    data["activities-1-DELETE"] = "on"
    response = as_ward_nurse.post(revise_url(agreement), data)
    assert response.status_code == 302
    assert [a["what"] for a in current(agreement).activities] == ["IV-antibiotika"]


def test_empty_rows_are_left_out(agreement, as_ward_nurse):
    data = revision(
        agreement,
        activities=[BLANK_ACTIVITY, ANTIBIOTICS, BLANK_ACTIVITY | {"what": "  "}, BLANK_ACTIVITY],
        contacts=[BLANK_CONTACT, WARD, BLANK_CONTACT],
    )
    assert as_ward_nurse.post(revise_url(agreement), data).status_code == 302
    version = current(agreement)
    assert [a["what"] for a in version.activities] == ["IV-antibiotika"]
    assert version.contacts == [WARD]


def test_at_least_one_contact(agreement, as_ward_nurse):
    data = revision(agreement, contacts=[BLANK_CONTACT, BLANK_CONTACT])
    response = as_ward_nurse.post(revise_url(agreement), data)
    assert response.status_code == 400
    assert "Ange minst en kontakt" in response.content.decode()
    assert agreement.versions.count() == 1


def test_add_a_row_keeps_what_was_typed_and_saves_nothing(agreement, as_ward_nurse):
    data = revision(agreement, activities=[ANTIBIOTICS, WOUND | {"times": "25"}])
    response = as_ward_nurse.post(revise_url(agreement), data | {"add_row": "activities"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="activities-TOTAL_FORMS" value="3"' in body
    assert 'name="activities-2-what"' in body and 'name="activities-3-what"' not in body
    assert 'value="IV-antibiotika"' in body and 'value="25"' in body
    assert "inget klockslag" not in body  # checked when saving, not when adding a row
    assert agreement.versions.count() == 1
    response = as_ward_nurse.post(revise_url(agreement), data | {"add_row": "contacts"})
    contacts = len(current(agreement).contacts)
    assert f'name="contacts-TOTAL_FORMS" value="{contacts + 1}"' in response.content.decode()


def test_a_template_is_written_with_rows(as_ward_nurse, ward):
    empty = {"activities": [], "contacts": [], "criteria": [], "if_worse": "", "call_112": ""}
    data = editor_data(
        empty | {"equipment": []},
        activities=[ANTIBIOTICS, BLANK_ACTIVITY],
        contacts=[WARD],
        name="Sårvård hemma",
        pathway="early_discharge",
        description="",
        is_active="on",
        if_worse="Ring avdelningen.",
    )
    bad = data | {"activities-0-times": "25"}
    response = as_ward_nurse.post(reverse("careplans:template_new"), bad)
    assert response.status_code == 400
    assert "Aktivitet 1 (IV-antibiotika)" in response.content.decode()
    assert not AgreementTemplate.objects.filter(ward=ward).exists()
    response = as_ward_nurse.post(reverse("careplans:template_new"), data)
    assert response.status_code == 302
    template = AgreementTemplate.objects.get(ward=ward)
    assert template.activities == [
        {
            "what": "IV-antibiotika",
            "who": "Hemsjukvården, sjuksköterska",
            "when": "Dagligen 08:00, 16:00, 23:30",
        }
    ]
    assert template.contacts == [WARD]


def test_a_shipped_template_is_shown_in_rows_read_only(as_ward_nurse):
    shipped = AgreementTemplate.objects.get(name=OPAT)
    body = as_ward_nurse.get(reverse("careplans:template_edit", args=[shipped.pk])).content
    body = body.decode()
    assert 'name="activities-0-what"' in body and "<fieldset disabled>" in body
    assert "Lägg till rad" not in body


def test_add_a_row_on_a_new_template_keeps_every_field(as_ward_nurse, ward):
    data = {
        "name": "Ny mall",
        "pathway": "stroke_esd",
        "if_worse": "Ring",
        "activities-TOTAL_FORMS": "1",
        "activities-INITIAL_FORMS": "0",
        "activities-0-what": "Gångträning",
        "activities-0-times": "25",
        "add_row": "activities",
    }  # "Används" unticked, no contact rows posted at all
    response = as_ward_nurse.post(reverse("careplans:template_new"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="Gångträning"' in body and 'value="25"' in body
    assert 'name="activities-1-what"' in body and 'name="activities-2-what"' not in body
    assert 'name="is_active" id="id_is_active" checked' not in body
    assert 'value="stroke_esd" selected' in body
    assert 'name="contacts-0-name"' in body  # the empty rows to write in
    assert not AgreementTemplate.objects.filter(ward=ward).exists()
