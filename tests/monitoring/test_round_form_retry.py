"""Issue 19 on the digital round: a decision that is not saved comes back once in its
patient's row, the errors at their fields in Swedish, the typed values kept, nothing saved."""

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.episodes.models import Episode
from hemma.monitoring import services
from hemma.monitoring.models import RoundEntry
from tests.form_pages import flashed, page_text, part_at

pytestmark = pytest.mark.django_db


def row_of(body: str, episode) -> str:
    return part_at(body, f'id="round-{episode.pk}"', "</section>")


def round_page(client) -> str:
    return page_text(client, reverse("monitoring:round"))


def post_decision(client, episode, **data):
    url = reverse("monitoring:round_record", args=[episode.pk])
    return client.post(url, {"day": timezone.localdate().isoformat()} | data)


def test_a_bad_note_and_link_show_at_their_fields_with_the_values_kept(at_home, as_ward_nurse):
    response = post_decision(
        as_ward_nurse,
        at_home,
        decision="continue",
        participants="Anna Ssk, Kim",
        note="x" * 4001,
        video_link="inte en länk",
    )
    assert response.status_code == 302
    shown = flashed(response)
    assert shown == ["Inget sparades: rätta de markerade fälten."]
    assert not RoundEntry.objects.exists()
    row = row_of(round_page(as_ward_nurse), at_home)
    pk = at_home.pk
    assert f'id="note-{pk}_error"' in row and f'aria-describedby="note-{pk}_error"' in row
    assert f'id="video-{pk}_error"' in row and f'aria-describedby="video-{pk}_error"' in row
    assert "som mest 4000 tecken" in row and "Fyll i en giltig URL." in row
    assert row.count("som mest 4000 tecken") == 1
    assert 'value="Anna Ssk, Kim"' in row and 'value="inte en länk"' in row
    assert f"participants-{pk}_error" not in row
    # Once: the next page is clean again.
    again = row_of(round_page(as_ward_nurse), at_home)
    assert 'aria-invalid="true"' not in again and "inte en länk" not in again


def test_empty_participants_is_an_error_at_the_field(at_home, as_ward_nurse):
    post_decision(as_ward_nurse, at_home, decision="continue", participants="", note="Mår bra")
    row = row_of(round_page(as_ward_nurse), at_home)
    assert f'id="participants-{at_home.pk}_error"' in row and "måste fyllas i" in row
    assert 'value="Mår bra"' in row
    assert not RoundEntry.objects.exists()


def test_a_refusal_is_the_forms_own_error_in_the_row(at_home, as_physician):
    post_decision(as_physician, at_home, decision="revise", participants=" , ", note="Ny plan")
    row = row_of(round_page(as_physician), at_home)
    assert "Ange vilka som deltog." in row and 'value="Ny plan"' in row
    assert '<option value="revise" selected>' in row
    assert not RoundEntry.objects.exists()


def test_another_patients_row_is_not_filled_in(at_home, as_ward_nurse, lisa, ward, ward_nurse):
    other = Episode.objects.create(
        patient=lisa,
        ward=ward,
        created_by=ward_nurse,
        state="at_home",
        tier="kim",
        at_home_since=timezone.now(),
    )
    post_decision(as_ward_nurse, at_home, decision="continue", participants="", note="Unik")
    body = round_page(as_ward_nurse)
    assert "Unik" in row_of(body, at_home)
    assert "Unik" not in row_of(body, other) and 'aria-invalid="true"' not in row_of(body, other)


def test_a_patient_no_longer_on_the_page_gets_the_errors_by_label(
    at_home, as_ward_nurse, ward_nurse, ward
):
    post_decision(as_ward_nurse, at_home, decision="continue", participants="")
    # A colleague decided meanwhile: the "not yet decided" page no longer has the row.
    day = timezone.localdate()
    services.round_record(
        staff=ward_nurse,
        unit=ward,
        episode=at_home,
        day=day,
        decision="continue",
        participants=["Anna"],
    )
    response = as_ward_nurse.get(reverse("monitoring:round") + f"?day={day}&filter=pending")
    body = response.content.decode()
    assert f'id="round-{at_home.pk}"' not in body
    assert "Deltagare: Detta fält måste fyllas i." in body
