"""Issue 19: everyone starts where their work is. The start page ("/") is chosen by the
acting unit's kind and the staff member's profession, counts what needs doing with a fixed
number of queries, and never counts a patient the user could not open."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hemma.accounts.models import Staff
from hemma.carerequests.models import CareRequest
from hemma.clinical.identifiers import luhn_check_digit
from hemma.episodes.models import Episode
from hemma.patients.services import sharing_consent_revoke
from hemma.shell.context_processors import nav_counts
from hemma.shell.start import start_cards, start_role
from tests.conftest import client_for, make_patient
from tests.flow import send_home_health_request, to_agreed

pytestmark = pytest.mark.django_db

# demo user → (start page role, the main card, the page its link opens)
DEMO_HOMES = {
    "anna.ssk": ("ward", "worklist", "episodes:worklist"),
    "maria.usk": ("ward", "worklist", "episodes:worklist"),
    "johan.ft": ("ward", "worklist", "episodes:worklist"),
    "erik.lak": ("physician", "round", "monitoring:round"),
    "sofie.lak": ("physician", "round", "monitoring:round"),
    "lena.us": ("discharge_coordinator", "coordination", "coordination:worklist"),
    "karin.hsv": ("home_health", "run_sheet", "visits:run_sheet"),
    "maja.usk": ("home_health", "run_sheet", "visits:run_sheet"),
    "tove.ft": ("home_health", "run_sheet", "visits:run_sheet"),
    "peter.vk": ("primary_care", "coordinator", "coordination:worklist"),
    "ulla.vc": ("primary_care", "coordinator", "coordination:worklist"),
    "ali.ht": ("home_care", "requests", "carerequests:inbox"),
    "eva.bist": ("home_care", "requests", "carerequests:inbox"),
    "olle.amb": ("ambulance", "ambulance", "ambulance:list"),
    "admin.region": ("administrator", "setup", "setup:start"),
    "admin.kommun": ("administrator", "setup", "setup:start"),
}


def made_up_number(i: int) -> str:
    """A valid personnummer (born 1941) for the i-th made-up patient."""
    nine = f"41{1 + i // 28:02d}{1 + i % 28:02d}{100 + i:03d}"
    return f"19{nine[:6]}-{nine[6:]}{luhn_check_digit(nine)}"


def cards_of(response) -> dict[str, int | None]:
    """The cards on the page: key → the count shown (None for a card without one)."""
    html = response.content.decode()
    cards = {}
    for match in re.finditer(r'data-card="([a-z_]+)"(.*?)</section>', html, re.S):
        count = re.search(r'data-count="(\d+)"', match.group(2))
        cards[match.group(1)] = int(count.group(1)) if count else None
    return cards


def main_card(response) -> str:
    return re.search(
        r'class="card start-card main[^"]*" data-card="([a-z_]+)"', response.content.decode()
    ).group(1)


def test_every_demo_role_lands_on_its_own_work_and_reaches_its_main_task(client):
    call_command("load_demo", "--quiet")
    users = get_user_model().objects
    for username, (role, card, target) in DEMO_HOMES.items():
        client.force_login(users.get(username=username))
        response = client.get("/")
        assert response.status_code == 200, username
        assert response.context["role"] == role, username
        assert main_card(response) == card, username
        link = re.search(
            rf'data-card="{card}".*?<a class="btn" href="([^"]+)"',
            response.content.decode(),
            re.S,
        ).group(1)
        assert link.split("?")[0] == reverse(target), username
        assert client.get(link).status_code == 200, (username, link)
        client.logout()


def test_the_start_page_needs_a_login_and_a_unit(client, db):
    assert client.get("/").url.startswith(reverse("login"))
    user = get_user_model().objects.create_user("ingen.enhet", password="x")
    Staff.objects.create(user=user, profession="nurse", hsa_id="SE2321000180-NONE1")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 403
    assert "inte kopplat till någon vårdenhet" in response.content.decode()
    # Only GET: the page changes nothing.
    assert client.post("/").status_code == 405


def test_the_ward_counts_its_patients_at_home_and_the_round_still_to_do(
    client, lisa, ward, home_health, ward_nurse, physician
):
    episode = to_agreed(patient=lisa, ward=ward, nurse=ward_nurse, physician=physician)
    Episode.objects.filter(pk=episode.pk).update(state="at_home", home_health_unit=home_health)
    cards = cards_of(client_for(client, ward_nurse).get("/"))
    assert cards["worklist"] == 1 and cards["round"] == 1 and cards["alerts"] == 0
    physician_page = client_for(client, physician).get("/")
    assert main_card(physician_page) == "round"
    assert cards_of(physician_page)["decisions"] == 0


def test_the_counts_never_include_a_patient_the_user_cannot_see(
    client, lisa, ward, home_health, ward_nurse, physician, home_nurse
):
    episode = to_agreed(patient=lisa, ward=ward, nurse=ward_nurse, physician=physician)
    send_home_health_request(episode, ward_nurse, home_health)
    Episode.objects.filter(pk=episode.pk).update(state="at_home", home_health_unit=home_health)
    page = client_for(client, home_nurse).get("/")
    assert cards_of(page)["requests"] == 1 and cards_of(page)["at_home"] == 1
    assert "Lisa" not in page.content.decode()  # the page counts; it names nobody

    sharing_consent_revoke(staff=ward_nurse, unit=ward, patient=lisa)

    cards = cards_of(client.get("/"))
    assert cards["requests"] == 0 and cards["at_home"] == 0 and cards["round"] == 0
    assert nav_counts(home_health, home_nurse)["unread_requests"] == 0


def test_each_count_costs_a_fixed_number_of_queries(client, ward, home_health, ward_nurse):
    def episodes(start, n):
        for i in range(start, start + n):
            patient = make_patient(made_up_number(i), f"P{i}", ward, home_health)
            Episode.objects.create(
                patient=patient,
                ward=ward,
                home_health_unit=home_health,
                created_by=ward_nurse,
                state="at_home",
                tier="kim",
            )

    as_nurse = client_for(client, ward_nurse)
    episodes(0, 2)
    as_nurse.get("/")  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert cards_of(as_nurse.get("/"))["worklist"] == 2
    episodes(2, 20)
    with CaptureQueriesContext(connection) as many:
        assert cards_of(as_nurse.get("/"))["worklist"] == 22
    assert len(many) == len(few)
    assert len(many) <= 25, [q["sql"][:120] for q in many]


def test_the_menu_badge_counts_requests_needing_action_not_old_unread_ones(
    client, lisa, ward, home_health, ward_nurse, physician, home_nurse
):
    episode = to_agreed(patient=lisa, ward=ward, nurse=ward_nurse, physician=physician)
    request = send_home_health_request(episode, ward_nurse, home_health)
    assert nav_counts(home_health, home_nurse)["unread_requests"] == 1
    assert nav_counts(ward, ward_nurse)["unread_requests"] == 0
    # Accepted without ever being "read": no longer work for anyone.
    CareRequest.objects.filter(pk=request.pk).update(status="accepted", answered_at=timezone.now())
    assert nav_counts(home_health, home_nurse)["unread_requests"] == 0
    # A question to the sender is the ward's to answer.
    CareRequest.objects.filter(pk=request.pk).update(status="question")
    assert nav_counts(ward, ward_nurse)["unread_requests"] == 1
    assert nav_counts(home_health, home_nurse)["unread_requests"] == 0
    # A request of an ended episode is history, whatever its status.
    CareRequest.objects.filter(pk=request.pk).update(status="sent")
    Episode.objects.filter(pk=episode.pk).update(
        state="discharged", ended_at=timezone.now() - timedelta(days=1)
    )
    assert nav_counts(home_health, home_nurse)["unread_requests"] == 0


def test_the_menu_shows_what_the_role_uses(client, ward_nurse, home_nurse, reviewer):
    ward_nav = client_for(client, ward_nurse).get("/").content.decode()
    assert "Larm" in ward_nav and reverse("carerequests:inbox") in ward_nav
    home_nav = client_for(client, home_nurse).get("/").content.decode()
    assert reverse("visits:run_sheet") in home_nav and reverse("monitoring:alerts") not in home_nav
    # A log reviewer membership opens no record: the menu offers the log, not the patients.
    review_page = client_for(client, reviewer).get("/")
    nav = review_page.content.decode().split("</nav>")[0]
    assert reverse("audit:review") in nav and reverse("patients:list") not in nav
    assert "log_review" in cards_of(review_page)


def test_the_ambulance_menu_has_no_care_requests(client, region):
    from tests.conftest import make_staff, make_unit

    ambulance = make_unit(region, "Ambulansen", "ambulance", "AMB9")
    crew = make_staff("crewamb", "nurse", ambulance)
    page = client_for(client, crew).get("/")
    nav = page.content.decode().split("</nav>")[0]
    assert reverse("ambulance:list") in nav
    assert reverse("carerequests:inbox") not in nav and reverse("episodes:worklist") not in nav
    assert main_card(page) == "ambulance" and cards_of(page)["ambulance"] == 0
    assert "Inga patienter vårdas hemma just nu." in page.content.decode()


def test_start_role_follows_the_unit_and_the_profession(ward, home_care, physician, ward_nurse):
    assert start_role(physician, ward) == "physician"
    assert start_role(ward_nurse, ward) == "ward"
    assert start_role(ward_nurse, home_care) == "home_care"
    assert start_role(None, None) == "other"
    keys = [card.key for card in start_cards(ward_nurse, ward, is_log_reviewer=False)]
    assert keys[0] == "worklist" and "log_review" not in keys
