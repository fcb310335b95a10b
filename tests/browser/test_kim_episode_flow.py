"""Kim through the early-discharge pages: nurse assesses, physician decides, nurse prepares
and sends him home, physician discharges. Each person logs in with their own account."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from hemma.demo.data import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{base}/patients/")


def open_kim(page):
    page.get_by_role("link", name="Vård i hemmet").click()
    page.get_by_role("link", name="Kim Andersson (demo)").first.click()


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
    page.get_by_role("button", name="Samtycke och överenskommelse klara").click()
    saved(page)
    page.get_by_role("button", name="Vårdbegäran skickad – förbered hemgång").click()
    saved(page)
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
    expect(page.get_by_text("Dag 1 hemma")).to_be_visible()
    log_out(page)

    log_in(page, base, "erik.lak")
    open_kim(page)
    page.get_by_label("Utskrivningsanteckning").fill("Feberfri, CRP sjunkande")
    page.get_by_label("Remiss till vårdcentralen").fill("Kontroll av CRP om två veckor")
    page.get_by_role("button", name="Skriv ut patienten").click()
    saved(page)
    expect(page.locator(".badge").first).to_have_text("Utskriven")
    assert "Kontroll av CRP om två veckor" in page.content()
    assert page.console_errors == []
