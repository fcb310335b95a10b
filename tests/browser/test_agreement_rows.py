"""Issue 19: the ward nurse revises the agreement in rows of inputs: a time that is no
clock time is shown at its field with what she typed kept, "Lägg till rad" gives another
row, and the two activities she writes are on the agreement page after saving."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from hemma.careplans.models import Agreement
from hemma.careplans.selectors import current_version
from tests.browser.test_accessibility_crawl import AXE, run_axe
from tests.browser.test_kim_episode_flow import log_in, saved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_activity(page, number, what, who, how_often, times):
    for label, value in (
        ("Vad", what),
        ("Vem (enhet/yrke)", who),
        ("Hur ofta", how_often),
        ("Klockslag", times),
    ):
        page.get_by_label(f"{label}, aktivitet {number}", exact=True).fill(value)


def test_the_ward_nurse_writes_two_activities_in_rows(page, live_server):
    call_command("load_demo", "--quiet")
    base = live_server.url
    agreement = (
        Agreement.objects.filter(
            episode__state="at_home", episode__ward__staff__user__username="anna.ssk"
        )
        .order_by("pk")
        .first()
    )
    rows = len(current_version(agreement).activities)

    log_in(page, base, "anna.ssk")
    page.goto(f"{base}/agreements/{agreement.episode_id}/")
    page.get_by_role("link", name="Revidera").click()
    axe = AXE.read_text(encoding="utf-8") if AXE.exists() else None
    if axe:  # the rows' inputs are labelled (the crawl needs npm ci for axe-core)
        assert run_axe(page, axe) == []
    fill_activity(page, rows + 1, "Sårvård PICC", "Hemsjukvården", "Varannan dag", "10:00")
    fill_activity(page, rows + 2, "Blodtryck", "Patienten", "Dagligen", "08:00, 25")
    page.get_by_label("Vad har ändrats?").fill("Sårvård och blodtryck")
    page.get_by_role("button", name="Spara ny version").click()

    # refused at the field, with what was typed kept
    error = page.locator(".errorlist", has_text="Aktivitet")
    expect(error).to_contain_text(f"Aktivitet {rows + 2} (Blodtryck)")
    expect(error).to_contain_text("”25” är inget klockslag")
    if axe:
        assert run_axe(page, axe) == []
    times = page.get_by_label(f"Klockslag, aktivitet {rows + 2}", exact=True)
    expect(times).to_have_value("08:00, 25")
    expect(page.get_by_label(f"Vad, aktivitet {rows + 1}", exact=True)).to_have_value(
        "Sårvård PICC"
    )

    # one more row, without losing anything
    page.get_by_role("button", name="Lägg till rad").first.click()
    last = rows + 4  # three empty rows were shown, now four
    expect(page.get_by_label(f"Vad, aktivitet {last}", exact=True)).to_have_value("")
    expect(times).to_have_value("08:00, 25")

    times.fill("08:00, 20:00")
    page.get_by_role("button", name="Spara ny version").click()
    saved(page)
    table = page.get_by_role("table").first
    expect(table).to_contain_text("Sårvård PICC")
    expect(table).to_contain_text("Varannan dag 10:00")
    expect(table).to_contain_text("Blodtryck")
    expect(table).to_contain_text("Dagligen 08:00, 20:00")
    # The refused save is a 400 page, which Chromium reports on the console; nothing else.
    assert [e for e in page.console_errors if "400 (Bad Request)" not in e] == []
