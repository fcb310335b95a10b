"""A region that is not the demo (issue 17): on an empty database, as on a region's first
day (docs/setup.md), the operator imports the HSA catalogue with the command, and the
imported staff walk a patient from registration through candidate, at home and
discharged in the browser. No `load_demo` and no setup by code beyond the import and the
test logins' passwords: the safety place comes from the import, the agreement template
from what a fresh install ships (careplans migration 0002)."""

import importlib
import io
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from hemma.careplans.models import AgreementTemplate
from tests.conftest import PASSWORD

# The region's first catalogue file: a region with a ward (12 beds) and a primary care
# centre, a municipality with a home health unit, an administrator for each, a ward nurse,
# a ward physician (the ward's manager) and a home-health nurse. Fictional organisations,
# units and people; the organisation numbers have valid check digits.
CATALOGUE = Path(__file__).with_name("hsa_fresh_region.csv")
LOGINS = ("alva.adm", "malte.adm", "nora.ssk", "lars.lak", "hanna.hsv")
OPERATOR = "drift"

KIM = "Kim Nyström"
KIM_NUMBER = "19440514-9057"  # a Skatteverket test personnummer
WARD = "Medicinavdelning 12"
HOME_HEALTH = "Hemsjukvården Nyby"
OPAT = "IV-antibiotika i hemmet (OPAT) med antibiotikapump"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def as_migrated():
    """The database as `migrate` leaves a fresh install. An earlier transactional test's
    flush also removes the rows that data migrations wrote, so the shipping migration runs
    again (idempotent). serialized_rollback would restore them too, but collides with the
    content types that a plain transactional test's flush recreates."""
    shipping = importlib.import_module("hemma.careplans.migrations.0002_shipped_templates")
    shipping.ship(django_apps, None)


@pytest.fixture
def imported(settings):
    """The operator (a superuser without a staff profile) imports the catalogue with the
    command; the imported staff get passwords only so that the browser can sign in."""
    settings.HEMMA_SAFETY_BEDS_PER_WARD = 1  # the documented default: "Plats 13"
    as_migrated()
    users = get_user_model().objects
    assert not users.exists(), "not an empty database"
    assert AgreementTemplate.objects.filter(ward=None, is_active=True).count() == 3
    call_command(
        "createsuperuser",
        interactive=False,
        username=OPERATOR,
        email="drift@example.se",
        stdout=io.StringIO(),
    )
    out = io.StringIO()
    call_command("hsa_import", str(CATALOGUE), by=OPERATOR, stdout=out)
    assert "10 rader: 10 nya, 0 ändrade, 0 oförändrade, 0 felaktiga" in out.getvalue()
    for username in LOGINS:
        user = users.get(username=username)
        assert not user.has_usable_password()  # staff sign in through the IdP
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])


def log_in(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    # Each role lands on its start page (issue 19); these flows begin at the patient list.
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/patients/")


def log_out(page):
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("button", name="Logga in")).to_be_visible()


def open_kim(page):
    page.get_by_role("link", name="Vård i hemmet").click()
    page.get_by_role("link", name=KIM).first.click()


def saved(page):
    expect(page.locator(".messages .success")).to_be_visible()


def state(page):
    return page.locator("h1 + .badge")


def test_fresh_region_walks_a_patient_from_candidate_to_discharged(page, live_server, imported):
    base = live_server.url

    # The ward nurse registers the patient and flags him as a candidate.
    log_in(page, base, "nora.ssk")
    page.get_by_role("link", name="Registrera patient").click()
    page.get_by_label("Personnummer").fill(KIM_NUMBER)
    page.get_by_label("Förnamn").fill("Kim")
    page.get_by_label("Efternamn").fill("Nyström")
    page.get_by_label("Gatuadress").fill("Storgatan 1")
    page.get_by_label("Postnummer").fill("123 45")
    page.get_by_label("Ort").fill("Nyby")
    page.get_by_label("Listad vårdcentral").select_option(label="Vårdcentral Nyby")
    page.get_by_label("Hemkommun").select_option(label="Nyby kommun")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator(".messages .success")).to_have_text("Patienten är registrerad.")
    page.get_by_role("link", name="Flagga som kandidat för vård i hemmet").click()
    page.get_by_label("Väg in").select_option("early_discharge")
    page.get_by_label("Varför kandidat?").fill("Pyelonefrit, stabil, behöver iv-antibiotika")
    page.get_by_role("button", name="Flagga som kandidat").click()
    expect(state(page)).to_have_text("Kandidat")

    # The nurse assesses.
    page.get_by_label("Persona").select_option("kim")
    for label in ("medicinskt stabil", "fungerande infart (PVK/PICC)", "kan egenmonitorera"):
        page.get_by_label(label).check()
    page.get_by_role("button", name="Spara bedömning").click()
    saved(page)
    expect(page.get_by_text("Läkaren fattar det slutgiltiga beslutet.")).to_be_visible()
    log_out(page)

    # The physician decides.
    log_in(page, base, "lars.lak")
    open_kim(page)
    page.get_by_label("Beslut").select_option("yes")
    page.get_by_label("Motivering").fill("Stabil pyelonefrit, PICC fungerar")
    page.get_by_role("button", name="Fatta beslut").click()
    saved(page)
    expect(state(page)).to_have_text("Bedömd")
    log_out(page)

    # Consent and the documented agreement from Hemma's shipped template.
    log_in(page, base, "nora.ssk")
    open_kim(page)
    for label in (
        "Patienten är informerad",
        "Närstående är informerade",
        "Broschyr given",
        "Patienten vill och känner sig trygg",
        "Samtycker till informationsdelning mellan region och kommun",
    ):
        page.get_by_label(label).check()
    page.get_by_role("button", name="Registrera samtycke").click()
    saved(page)
    expect(page.get_by_text("Samtycke registrerat")).to_be_visible()
    page.get_by_role("link", name="Skriv dokumenterad överenskommelse").click()
    page.get_by_label("Mall").select_option(label=OPAT)
    page.get_by_role("button", name="Skapa överenskommelse").click()
    saved(page)
    for number, (name, phone, hours) in enumerate(
        [(WARD, "0123-45 12 00", "Dygnet runt"), (HOME_HEALTH, "0123-45 30 00", "07–21")],
        start=1,
    ):
        page.get_by_label(f"Namn/roll, kontakt {number}").fill(name)
        page.get_by_label(f"Telefon, kontakt {number}").fill(phone)
        page.get_by_label(f"Tider, kontakt {number}").fill(hours)
    page.get_by_label("Vad har ändrats?").fill("Avdelningens och hemsjukvårdens telefonnummer")
    page.get_by_role("button", name="Spara ny version").click()
    saved(page)
    expect(page.get_by_text("Version 2").first).to_be_visible()
    page.get_by_role("button", name="Patienten har fått överenskommelsen").click()
    saved(page)
    page.get_by_role("link", name=KIM).first.click()
    page.get_by_role("button", name="Samtycke och överenskommelse klara").click()
    saved(page)
    expect(state(page)).to_have_text("Överenskommen")

    # The care request to the municipality's home health unit.
    page.get_by_role("link", name="Ny vårdbegäran").first.click()
    page.get_by_label("Till enhet").select_option(label=HOME_HEALTH)
    page.get_by_label("Orsak").fill("IV-antibiotika i hemmet efter pyelonefrit")
    page.get_by_label("Insatser som önskas").fill(
        "Antibiotika iv tre gånger per dygn, PICC-skötsel"
    )
    page.get_by_label("Läkemedelslista").fill("Cefotaxim | 1 g | iv | 08, 16, 24")
    page.get_by_role("button", name="Skicka vårdbegäran").click()
    saved(page)
    log_out(page)

    # The home-health nurse accepts it in the unit's inbox.
    log_in(page, base, "hanna.hsv")
    inbox = page.get_by_role("link", name="Vårdbegäran").first
    expect(inbox.locator(".count")).to_have_text("1")
    inbox.click()
    page.get_by_role("link", name=KIM).first.click()
    expect(page.get_by_text("Bifogad överenskommelse, version 2")).to_be_visible()
    page.get_by_role("button", name="Acceptera").click()
    saved(page)
    log_out(page)

    # The ward nurse prepares, completes the checklist, reserves the place, sends him home.
    log_in(page, base, "nora.ssk")
    open_kim(page)
    expect(page.locator("section", has_text="Vårdbegäranden")).to_contain_text("Accepterad")
    page.get_by_role("button", name="Vårdbegäran skickad – förbered hemgång").click()
    saved(page)
    expect(state(page)).to_have_text("Förbereds")
    open_rows = page.locator("tr", has=page.locator(".badge.danger")).filter(
        has=page.locator("select")
    )
    while open_rows.count():
        row = open_rows.first
        row.get_by_role("combobox").select_option("done")
        row.get_by_role("button", name="Spara").click()
        saved(page)
    page.get_by_role("button", name="Reservera trygghetsplats").click()
    expect(page.get_by_text("Trygghetsplats reserverad: Plats 13")).to_be_visible()
    page.get_by_role("button", name="Patienten åker hem").click()
    expect(state(page)).to_have_text("Hemma")
    # The episode header and the clinical summary both say it.
    expect(page.get_by_text("Dag 1 hemma").first).to_be_visible()
    expect(page.locator("#summary")).to_contain_text("Dag 1 hemma")
    log_out(page)

    # Home health care checks off the discharge criteria.
    log_in(page, base, "hanna.hsv")
    open_kim(page)
    page.get_by_role("link", name="Bocka av utskrivningskriterier").click()
    criteria = page.locator("form", has=page.get_by_role("button", name="Uppfyllt"))
    while criteria.count():
        criteria.first.get_by_role("button", name="Uppfyllt").click()
        saved(page)
    expect(page.get_by_text("Alla utskrivningskriterier är uppfyllda.")).to_be_visible()
    log_out(page)

    # The physician discharges with a referral to the listed primary care centre.
    log_in(page, base, "lars.lak")
    open_kim(page)
    discharge = page.locator("form", has=page.get_by_role("button", name="Skriv ut patienten"))
    discharge.get_by_label("Utskrivningsanteckning").fill("Feberfri, CRP sjunkande")
    discharge.get_by_label("Remiss till vårdcentralen").fill("Kontroll av CRP om två veckor")
    discharge.get_by_role("button", name="Skriv ut patienten").click()
    saved(page)
    expect(state(page)).to_have_text("Utskriven")
    expect(page.get_by_text("Kontroll av CRP om två veckor")).to_be_visible()
    # The place from the import is free again: the ward's manager sees it in his menu.
    page.get_by_role("link", name="Trygghetsplatser").click()
    expect(page.locator("tr[data-place='Plats 13']")).to_contain_text("Ledig")
    assert page.console_errors == []


def checklist(page, organisation_hsa_id):
    """{item key: done} of one organisation's card on Kom igång."""
    card = page.locator(f"section[data-organisation='{organisation_hsa_id}']")
    expect(card).to_be_visible()
    rows = card.locator("tr[data-check]")
    return {
        rows.nth(i).get_attribute("data-check"): rows.nth(i).get_attribute("data-done") == "yes"
        for i in range(rows.count())
    }


def test_kom_igang_after_the_import_lists_only_what_the_flow_does_not_need(
    page, live_server, imported
):
    base = live_server.url

    log_in(page, base, "alva.adm")
    page.get_by_role("link", name="Kom igång").click()
    expect(page.get_by_role("heading", name="Kom igång")).to_be_visible()
    # What a care request, the safety place and the staff need is there; still missing:
    # the ward's own copy of a template (the shipped ones serve meanwhile), the reviewed
    # economics and a doctor-to-doctor directory entry - none of them stops the flow.
    assert checklist(page, "SE2321000180-NYRG") == {
        "units": True,
        "ward": True,
        "safety_places": True,
        "templates": False,
        "home_health": True,
        "staff": True,
        "economics": False,
        "directory": False,
    }
    region = page.locator("section[data-organisation='SE2321000180-NYRG']")
    expect(region.locator("h2 .badge")).to_have_text("3 saker kvar")
    expect(region).to_contain_text(f"Egen mall saknas på: {WARD}.")
    # Kom igång links to the safety places only while a ward lacks one (and the menu shows
    # them to a ward's manager), so the administrator opens the page by its address.
    page.goto(f"{base}/setup/safety-places/")
    expect(page.get_by_role("heading", name="Trygghetsplatser")).to_be_visible()
    ward = page.locator("section[data-ward='SE2321000180-NY12']")
    expect(ward.locator("h2")).to_contain_text("12 vårdplatser")
    expect(ward.locator("h2 .badge")).to_have_text("1 av 1 lediga")
    expect(ward.locator("tr[data-place='Plats 13']")).to_contain_text("Ledig")
    log_out(page)

    log_in(page, base, "malte.adm")
    page.get_by_role("link", name="Kom igång").click()
    assert checklist(page, "SE2120002080-NYKO") == {
        "units": True,
        "home_health": True,
        "staff": True,
        "economics": False,
        "directory": False,
    }
    expect(page.locator("section[data-organisation]")).to_have_count(1)
    assert page.console_errors == []
