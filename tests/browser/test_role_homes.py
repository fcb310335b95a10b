"""Issue 19: each role of the demo logs in, lands on its own start page (not the patient
list) and reaches its main task from it in one click; the menu shows what the role uses."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from hemma.demo.data import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# username → (the start page's heading, the main card, where its link leads)
ROLES = {
    "anna.ssk": ("Avdelningens dag", "worklist", "/episodes/"),
    "erik.lak": ("Läkarens dag", "round", "/monitoring/round/"),
    "lena.us": ("Utskrivningssamordnarens dag", "coordination", "/coordination/"),
    "karin.hsv": ("Hemsjukvårdens dag", "run_sheet", "/visits/mine/"),
    "peter.vk": ("Vårdcentralens dag", "coordinator", "/coordination/"),
    "ali.ht": ("Hemtjänstens förfrågningar", "requests", "/care-requests/"),
    "olle.amb": ("Ambulansens patienter hemma", "ambulance", "/ambulance/"),
    "admin.region": ("Administration", "setup", "/setup/"),
}


def log_in_and_land(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{base}/")


def test_each_role_lands_on_its_start_page_and_reaches_its_main_task(page, live_server):
    call_command("load_demo", "--quiet")
    base = live_server.url
    for username, (heading, card, target) in ROLES.items():
        log_in_and_land(page, base, username)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        main = page.locator(f'.start-card.main[data-card="{card}"]')
        expect(main).to_have_count(1)
        main.get_by_role("link").click()
        page.wait_for_url(re.compile(re.escape(f"{base}{target}") + r"(\?.*)?$"))
        assert "<" not in page.title(), (username, page.title())
        expect(page.locator("main h1")).to_be_visible()
        page.get_by_role("button", name="Logga ut").click()
        expect(page.get_by_role("button", name="Logga in")).to_be_visible()


def test_the_menu_follows_the_role(page, live_server):
    call_command("load_demo", "--quiet")
    base = live_server.url
    menu = page.get_by_role("navigation", name="Huvudmeny")

    log_in_and_land(page, base, "olle.amb")
    expect(menu.get_by_role("link", name="Hemmavårdade")).to_be_visible()
    expect(menu.get_by_role("link", name="Vårdbegäran")).to_have_count(0)
    expect(menu.get_by_role("link", name="Larm")).to_have_count(0)
    page.get_by_role("button", name="Logga ut").click()

    log_in_and_land(page, base, "ali.ht")
    expect(menu.get_by_role("link", name=re.compile("^Vårdbegäran"))).to_be_visible()
    expect(menu.get_by_role("link", name="Larm")).to_have_count(0)
    page.get_by_role("button", name="Logga ut").click()

    # The coordinator reaches meetings, the directory and the temporary visit from the body
    # of the coordination page (they used to sit in its <title>).
    log_in_and_land(page, base, "peter.vk")
    page.locator('[data-card="coordinator"]').get_by_role("link").click()
    for link in ("Samverkansmöten", "Läkare till läkare", "Registrera tillfälligt besök"):
        expect(page.locator("main").get_by_role("link", name=link)).to_be_visible()
    assert page.title().startswith("Samordning vid utskrivning")
