"""The patient's voice (issue 18): Kim answers "Sämre" and writes a note on his tablet;
the ward's alert page shows a patient-concern alert with his words next to the NEWS2
alert of the same set, without a reload."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.test_kim_episode_flow import KIM, log_in
from tests.browser.test_monitoring import fill, kim_at_home

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Jag har ont i bröstet sedan i morse"


def test_worse_and_a_note_on_the_tablet_reach_the_wards_alert_page(browser, page, live_server):
    call_command("load_demo", "--quiet")
    episode = kim_at_home()
    base = live_server.url

    log_in(page, base, "anna.ssk")
    page.goto(f"{base}/monitoring/episode/{episode.pk}/")
    page.get_by_role("button", name="Ny kod till patientens surfplatta").click()
    code = page.locator("p.code").inner_text().strip()

    tablet_context = browser.new_context(locale="sv-SE", viewport={"width": 800, "height": 1200})
    tablet = tablet_context.new_page()
    tablet.set_default_timeout(15_000)
    tablet.goto(f"{base}/patient/start/")
    tablet.get_by_label("Kod från avdelningen").fill(code)
    tablet.get_by_role("button", name="Koppla").click()
    expect(tablet.get_by_role("heading", name="Hej Kim")).to_be_visible()

    page.get_by_role("link", name="Larm").first.click()
    expect(page.locator("tr.alert-row", has_text=KIM)).to_have_count(0)

    tablet.get_by_label("Sämre").check()
    tablet.get_by_label("Något du vill berätta?").fill(NOTE)
    fill(tablet, {"pulse": 135, "spo2": 91, "systolic_bp": 95, "temperature": "39.4"})
    expect(tablet.locator("#result.red")).to_contain_text("Ring avdelningen nu")

    # No reload: the panel polls every 10 seconds.
    concern = page.locator("tr.alert-row", has_text="Patientens oro").filter(has_text=KIM)
    expect(concern).to_be_visible(timeout=25_000)
    expect(concern).to_contain_text(NOTE)
    expect(concern).to_contain_text("Patienten mår sämre")
    vitals = page.locator("tr.alert-row", has_text="Vitalparametrar").filter(has_text=KIM)
    expect(vitals).to_contain_text("Hög")  # the NEWS2 alert stays, next to the concern
    tablet_context.close()
    assert page.console_errors == []
