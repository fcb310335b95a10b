"""Kim through the early-discharge pages: the ward nurse assesses, the physician decides,
the nurse writes the agreement and the care request, the municipality nurse accepts it,
the nurse sends him home, home health care checks the criteria, the physician discharges.
Each person logs in with their own account."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from hemma.demo.data import DEMO_PASSWORD

KIM = "Kim Andersson (demo)"
OPAT = "IV-antibiotika i hemmet (OPAT) med antibiotikapump"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    # Each role lands on its start page (issue 19); these flows begin at the patient list.
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/patients/")


def open_kim(page):
    page.get_by_role("link", name="Vård i hemmet").click()
    page.get_by_role("link", name=KIM).first.click()


def log_out(page):
    page.get_by_role("button", name="Logga ut").click()


def saved(page):
    expect(page.locator(".messages .success")).to_be_visible()


def test_kim_walks_from_candidate_to_discharged(page, live_server):
    call_command("load_demo", "--quiet")
    base = live_server.url

    log_in(page, base, "anna.ssk")
    open_kim(page)
    page.get_by_label("Persona").select_option("kim")
    for label in ("medicinskt stabil", "fungerande infart (PVK/PICC)", "kan egenmonitorera"):
        page.get_by_label(label).check()
    page.get_by_role("button", name="Spara bedömning").click()
    saved(page)
    assert "Läkaren fattar det slutgiltiga beslutet" in page.content()
    log_out(page)

    log_in(page, base, "erik.lak")
    open_kim(page)
    page.get_by_label("Beslut").select_option("yes")
    page.get_by_label("Motivering").fill("Stabil pyelonefrit, PICC fungerar")
    page.get_by_role("button", name="Fatta beslut").click()
    saved(page)
    log_out(page)

    log_in(page, base, "anna.ssk")
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

    # The documented agreement from the ward's OPAT template, adapted and printed.
    page.get_by_role("link", name="Skriv dokumenterad överenskommelse").click()
    page.get_by_label("Mall").select_option(label=OPAT)
    page.get_by_role("button", name="Skapa överenskommelse").click()
    page.get_by_label("Namn/roll, kontakt 1").fill("Infektionsavdelning 30")
    page.get_by_label("Telefon, kontakt 1").fill("023-49 00 30")
    page.get_by_label("Tider, kontakt 1").fill("Dygnet runt")
    page.get_by_label("Namn/roll, kontakt 2").fill("Hemsjukvården centrum, Falu kommun")
    page.get_by_label("Telefon, kontakt 2").fill("023-49 03 00")
    page.get_by_label("Tider, kontakt 2").fill("07–21")
    page.get_by_label("Vad har ändrats?").fill("Avdelningens telefonnummer")
    page.get_by_role("button", name="Spara ny version").click()
    saved(page)
    expect(page.get_by_text("Version 2").first).to_be_visible()
    page.get_by_role("link", name="Utskrift till patienten").click()
    expect(page.get_by_role("heading", name="Din plan för vården hemma")).to_be_visible()
    expect(page.get_by_text("023-49 00 30")).to_be_visible()
    expect(page.get_by_text("Ring 112", exact=False).first).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Skriv ut")).to_be_hidden()
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Tillbaka").click()
    page.get_by_role("button", name="Patienten har fått överenskommelsen").click()
    saved(page)
    page.get_by_role("link", name=KIM).first.click()
    page.get_by_role("button", name="Samtycke och överenskommelse klara").click()
    saved(page)

    # The care request with the medication list replaces the fax.
    page.get_by_role("link", name="Ny vårdbegäran").click()
    page.get_by_label("Till enhet").select_option(label="Hemsjukvården centrum, Falu kommun")
    page.get_by_label("Läkemedelslista").fill(
        "Cefotaxim | 1 g | iv | 08, 16, 24\nAlvedon | 1 g | po | vid behov"
    )
    page.get_by_role("button", name="Skicka vårdbegäran").click()
    saved(page)
    page.get_by_role("button", name="Vårdbegäran skickad – förbered hemgång").click()
    saved(page)
    page.get_by_role("link", name="Logistik").click()
    page.get_by_label("Kategori").select_option("equipment")
    page.get_by_label("Vad").fill("Antibiotikapump")
    page.get_by_label("Följer med patienten i transporten").check()
    page.get_by_role("button", name="Beställ").click()
    saved(page)
    expect(page.locator("section", has_text="Följer med i transporten")).to_contain_text(
        "Antibiotikapump"
    )
    log_out(page)

    # The municipality nurse accepts in her own login.
    log_in(page, base, "karin.hsv")
    expect(page.get_by_role("link", name="Vårdbegäran").locator(".count")).to_be_visible()
    page.get_by_role("link", name="Vårdbegäran").first.click()
    page.get_by_role("link", name=KIM).first.click()
    expect(page.get_by_text("Antibiotika").first).to_be_visible()
    expect(page.get_by_text("Bifogad överenskommelse, version 2")).to_be_visible()
    page.get_by_role("button", name="Acceptera").click()
    saved(page)
    log_out(page)

    log_in(page, base, "anna.ssk")
    open_kim(page)
    expect(page.locator("section", has_text="Vårdbegäranden")).to_contain_text("Accepterad")
    page.get_by_role("button", name="Patienten åker hem").click()
    expect(page.locator(".messages .error")).to_contain_text("Checklistan är inte klar")
    open_rows = page.locator("tr", has=page.locator(".badge.danger")).filter(
        has=page.locator("select")
    )
    while open_rows.count():
        row = open_rows.first
        row.get_by_role("combobox").select_option("done")
        row.get_by_role("button", name="Spara").click()
        saved(page)
    page.get_by_role("button", name="Reservera trygghetsplats").click()
    expect(page.get_by_text("Trygghetsplats reserverad: Plats 2")).to_be_visible()
    page.get_by_role("button", name="Patienten åker hem").click()
    # The episode header and the clinical summary both say it.
    expect(page.get_by_text("Dag 1 hemma").first).to_be_visible()
    expect(page.locator("#summary")).to_contain_text("Dag 1 hemma")
    log_out(page)

    # Home health care checks off the discharge criteria during the stay.
    log_in(page, base, "karin.hsv")
    open_kim(page)
    page.get_by_role("link", name="Bocka av utskrivningskriterier").click()
    criteria = page.locator("form", has=page.get_by_role("button", name="Uppfyllt"))
    while criteria.count():
        criteria.first.get_by_role("button", name="Uppfyllt").click()
        saved(page)
    expect(page.get_by_text("Alla utskrivningskriterier är uppfyllda.")).to_be_visible()
    log_out(page)

    log_in(page, base, "erik.lak")
    open_kim(page)
    # The discharge form (the page also has "end on request" with its own note).
    discharge = page.locator("form", has=page.get_by_role("button", name="Skriv ut patienten"))
    discharge.get_by_label("Utskrivningsanteckning").fill("Feberfri, CRP sjunkande")
    discharge.get_by_label("Remiss till vårdcentralen").fill("Kontroll av CRP om två veckor")
    discharge.get_by_role("button", name="Skriv ut patienten").click()
    saved(page)
    expect(page.locator(".badge").first).to_have_text("Utskriven")
    assert "Kontroll av CRP om två veckor" in page.content()
    assert page.console_errors == []
