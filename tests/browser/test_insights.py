"""The outcome dashboard in the browser: a manager opens it on the demo region (two years of
generated history), sees the charts drawn, changes the period and downloads a CSV; on the
economics page the ED visits a month are read from the imported visits of chosen months."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.test_kim_episode_flow import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_follows_results_and_downloads_a_csv(page, live_server):
    call_command("load_demo", "--quiet")
    base = live_server.url
    log_in(page, base, "ulla.vc")
    page.get_by_role("link", name="Uppföljning").click()
    expect(page.get_by_role("heading", name="Vård i hemmet")).to_be_visible()
    expect(page.locator("#panel-care_at_home canvas")).to_be_visible()
    # Chart.js has drawn on the canvas: it sizes the canvas it renders at
    width = page.locator("#panel-care_at_home canvas").evaluate("c => c.width")
    assert width > 0 and page.evaluate("() => Object.keys(window.Chart.instances).length") >= 3
    page.get_by_label("Från").fill("2025-06-01")
    page.get_by_label("Till").fill("2025-12-31")
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_text("Period 2025-06-01 – 2025-12-31")).to_be_visible()
    with page.expect_download() as download_info:
        page.locator("#panel-care_at_home").get_by_role("link", name="Ladda ner CSV").click()
    download = download_info.value
    assert download.suggested_filename == "hemma-care_at_home-20250601-20251231.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("Mått;Värde;Kommentar") and "Vårddygn i hemmet" in text
    assert "2025-06;2025-07" in text
    # Economics: the ED visits a month come from the demo's imported visits of the months
    page.get_by_role("link", name="Ekonomi", exact=True).click()
    imported = page.locator("#ed-imported")
    expect(imported).to_contain_text("besök per månad")
    after = page.get_by_label("Akutbesök per månad efter")
    assert after.input_value().isdigit()
    expect(page.locator("#saving .figure")).to_contain_text("kr per år")
    month = (date.today().replace(day=1) - timedelta(days=40)).strftime("%Y-%m")
    page.get_by_label("Efter, från").fill(month)
    page.get_by_label("Efter, till").fill(month)
    page.get_by_role("button", name="Hämta ur underlaget").click()
    expect(imported).to_contain_text(f"besök per månad ({month})")
    assert page.get_by_label("Akutbesök per månad efter").input_value().isdigit()
    assert page.console_errors == []
