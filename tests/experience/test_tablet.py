"""Issue 18: the experience questionnaire on the tablet of a discharged episode – offered
once, within a week of the discharge, to that episode's tablet only; bad input is a form
error and stores nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.episodes.models import Episode
from hemma.errors import HemmaError
from hemma.experience import services
from hemma.experience.models import Response
from hemma.monitoring.models import DeviceEnrolment
from tests.messaging.conftest import enrolled_tablet

from .conftest import answer, discharge

pytestmark = pytest.mark.django_db
URL = reverse("experience:patient")


def test_the_discharged_tablet_lands_on_the_invitation_and_sees_the_questions(tablet, discharged):
    # The device token no longer opens the own page: the tablet is sent to the start page,
    # which invites it to the questionnaire.
    home = tablet.get(reverse("monitoring:patient_home"))
    assert home.status_code == 302 and home.url == reverse("monitoring:patient_start")
    start = tablet.get(home.url).content.decode()
    assert URL in start and "Berätta hur du upplevde den" in start
    page = tablet.get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Jag kände mig trygg när jag vårdades hemma." in body
    assert "Jag skulle välja vård i hemmet igen." in body
    # Accessible without JavaScript: a fieldset and legend per question, labelled radios.
    assert body.count("<fieldset>") == 4 and body.count("<legend>") == 4
    assert body.count('type="radio"') == 4 * 6 and "Vill inte svara" in body
    assert "<script" not in body
    # The read is logged under the ward, like the tablet's other pages.
    assert AccessLogEntry.objects.filter(
        unit=discharged.ward, detail__contains="experience questionnaire"
    ).exists()


def test_a_tablet_at_home_is_not_offered_the_questionnaire(tablet, at_home):
    start = tablet.get(reverse("monitoring:patient_start")).content.decode()
    assert URL not in start
    body = tablet.get(URL).content.decode()
    assert "Det finns inga frågor att svara på" in body and "<fieldset>" not in body
    assert answer(tablet).status_code == 403
    assert not Response.objects.exists()


@pytest.mark.parametrize("ending", ["died", "transferred", "cancelled"])
def test_only_a_discharge_offers_it(tablet, at_home, ending):
    Episode.objects.filter(pk=at_home.pk).update(
        state=ending,
        ended_at=timezone.now(),
        died_at=timezone.now(),
        death_confirmed_by="X",
        transferred_to="Y",
    )
    assert answer(tablet).status_code == 403
    assert not Response.objects.exists()


def test_the_offer_ends_a_week_after_the_discharge(tablet, at_home):
    discharge(at_home, timezone.now() - timedelta(days=7, minutes=1))
    assert URL not in tablet.get(reverse("monitoring:patient_start")).content.decode()
    assert answer(tablet).status_code == 403
    assert not Response.objects.exists()


def test_a_revoked_tablet_cannot_answer(tablet, discharged):
    discharged.devices.update(revoked_at=timezone.now())
    assert answer(tablet).status_code == 403
    assert not Response.objects.exists()


def test_no_cookie_is_refused(client, discharged):
    assert "<fieldset>" not in client.get(URL).content.decode()
    assert answer(client).status_code == 403
    assert not Response.objects.exists()


def test_an_answer_is_stored_once_and_a_resend_changes_nothing(tablet, discharged):
    response = answer(tablet)
    assert response.status_code == 302 and response.url == URL
    stored = Response.objects.get()
    assert stored.episode == discharged
    assert (stored.safe, stored.informed, stored.knew_whom_to_call, stored.choose_again) == (
        5,
        4,
        3,
        0,
    )
    assert stored.comment == "Det kändes tryggt."
    assert "Tack för dina svar!" in tablet.get(URL).content.decode()
    # A double tap, or a second answer: the first one stands.
    assert answer(tablet).status_code == 302
    assert answer(tablet, safe="1", comment="Annat").status_code == 302
    assert Response.objects.count() == 1
    stored.refresh_from_db()
    assert stored.safe == 5 and stored.comment == "Det kändes tryggt."
    page = tablet.get(URL).content.decode()
    assert "Dina svar var redan sparade" in page and "<fieldset>" not in page
    # Once answered, the start page no longer invites.
    assert URL not in tablet.get(reverse("monitoring:patient_start")).content.decode()


def test_questions_left_blank_count_as_not_answered(tablet, discharged):
    assert tablet.post(URL, {"informed": "5"}).status_code == 302
    stored = Response.objects.get()
    assert (stored.safe, stored.informed, stored.choose_again, stored.comment) == (0, 5, 0, "")


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"safe": "6"}, "Välj ett giltigt alternativ"),
        ({"safe": "-1"}, "Välj ett giltigt alternativ"),
        ({"informed": "abc"}, "Välj ett giltigt alternativ"),
        ({"choose_again": "9" * 40}, "Välj ett giltigt alternativ"),
        ({"comment": "x" * 1001}, "Texten är för lång: högst 1000 tecken."),
        ({"comment": "hej\x00då"}, "Null-tecken är inte tillåtna."),
        ({"comment": "hej\x7fdå"}, "Texten innehåller tecken som inte kan sparas."),
        ({"comment": "hej\x1bdå"}, "Texten innehåller tecken som inte kan sparas."),
    ],
)
def test_bad_input_is_a_form_error_and_stores_nothing(tablet, discharged, changes, error):
    response = answer(tablet, **changes)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Response.objects.exists()


def test_an_empty_answer_is_refused(tablet, discharged):
    response = tablet.post(URL, {"safe": "0", "comment": "   "})
    assert response.status_code == 400
    assert "Svara på minst en fråga" in response.content.decode()
    assert not Response.objects.exists()


def test_line_breaks_and_the_longest_text_are_kept(tablet, discharged):
    text = "Bra.\nTack!" + "x" * 990
    assert answer(tablet, comment=text).status_code == 302
    assert Response.objects.get().comment == text


def test_the_tablet_of_another_episode_answers_only_for_its_own(
    tablet, discharged, lisa, ward, home_health, ward_nurse
):
    """The episode is the device's, never the form's: Lisa's tablet (at home) cannot answer
    for Kim's discharged episode, and naming Kim's episode in the form changes nothing."""
    lisa_episode = Episode.objects.create(
        patient=lisa,
        ward=ward,
        home_health_unit=home_health,
        created_by=ward_nurse,
        state="at_home",
        at_home_since=timezone.now(),
    )
    lisa_tablet = enrolled_tablet(lisa_episode, ward_nurse)
    assert answer(lisa_tablet, episode=str(discharged.pk)).status_code == 403
    assert not Response.objects.exists()
    # Lisa discharged too: her tablet's answer is hers, whatever the form says.
    discharge(lisa_episode)
    assert answer(lisa_tablet, episode=str(discharged.pk)).status_code == 302
    assert Response.objects.get().episode == lisa_episode
    # Kim's tablet still has its own answer to give.
    assert "<fieldset>" in tablet.get(URL).content.decode()


@pytest.mark.parametrize(
    "values, comment",
    [
        ({"safe": 6}, ""),
        ({"safe": -1}, ""),
        ({"safe": True}, ""),
        ({"safe": "5"}, ""),
        ({}, "Bra"),
        ({"safe": 5}, "\ud800"),
        ({"safe": 5}, "a\x00b"),
        ({"safe": 5}, "x" * 1001),
        ({"safe": 0}, ""),
    ],
)
def test_the_service_refuses_what_it_cannot_store(discharged, values, comment):
    device = DeviceEnrolment.objects.get(episode=discharged)
    full = {"safe": 0, "informed": 0, "knew_whom_to_call": 0, "choose_again": 0}
    full.update(values)
    if values == {}:
        full.pop("safe")
    with pytest.raises(HemmaError):
        services.experience_answer(device=device, values=full, comment=comment)
    assert not Response.objects.exists()
