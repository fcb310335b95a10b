"""Lag (2017:612) through the pages: the ward sends an admission notice, the primary care
centre's manager appoints a fixed care contact, the physician marks the patient ready for
discharge, the fixed care contact calls the SIP meeting, and the municipality's home
health care sees all of it in its inbox. Each person logs in with their own account."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from hemma.coordination.models import DischargeCase
from tests.browser.test_kim_episode_flow import log_in, log_out, saved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LISA = "Berglund (demo), Lisa"


def open_lisas_case(page):
    page.get_by_role("link", name="Samordning").first.click()
    page.get_by_role("link", name="Lisa Berglund (demo)").first.click()


def test_a_coordinated_discharge_from_notice_to_sip(page, live_server):
    call_command("load_demo", "--quiet")
    base = live_server.url

    log_in(page, base, "anna.ssk")
    page.get_by_role("link", name=LISA).click()
    page.get_by_role("link", name="Inskrivningsmeddelande").click()
    page.get_by_label("Beräknat utskrivningsdatum").fill(
        (timezone.localdate() + timedelta(days=3)).isoformat()
    )
    page.get_by_label("Hemsjukvården centrum, Falu kommun").check()
    page.get_by_role("button", name="Skicka inskrivningsmeddelande").click()
    saved(page)
    expect(page.get_by_text("Ej utsedd")).to_be_visible()
    log_out(page)

    log_in(page, base, "ulla.vc")
    open_lisas_case(page)
    page.get_by_label("Fast vårdkontakt").select_option(label="Peter Nord, Vårdkoordinator")
    page.get_by_role("button", name="Utse fast vårdkontakt").click()
    saved(page)
    log_out(page)

    log_in(page, base, "erik.lak")
    open_lisas_case(page)
    page.get_by_role("button", name="Utskrivningsklar").click()
    saved(page)
    expect(page.get_by_text("Kalla SIP senast")).to_be_visible()
    log_out(page)

    log_in(page, base, "peter.vk")
    open_lisas_case(page)
    page.get_by_role("button", name="Patienten samtycker till SIP").click()
    saved(page)
    meeting = timezone.localtime() + timedelta(days=2)
    page.get_by_label("Mötestid").fill(meeting.strftime("%Y-%m-%dT10:00"))
    page.get_by_label("Plats").fill("Vårdcentral Kvarnen, rum 3")
    page.get_by_label("Kallade").fill(
        "Lisa, dottern, avdelningen, hemsjukvården, biståndshandläggare"
    )
    page.get_by_role("button", name="Skicka kallelse").click()
    saved(page)
    expect(page.get_by_text("SIP kallad")).to_be_visible()
    log_out(page)

    log_in(page, base, "karin.hsv")
    expect(page.locator("nav .count").first).to_be_visible()
    page.get_by_role("link", name="Samordning").first.click()
    inbox = page.locator("section", has_text="Meddelanden")
    for kind in (
        "Inskrivningsmeddelande",
        "Fast vårdkontakt utsedd",
        "Utskrivningsklar",
        "Kallelse till SIP",
    ):
        expect(
            inbox.locator("tr", has_text="Lisa Berglund (demo)").filter(has_text=kind)
        ).to_have_count(1)
    page.get_by_role("link", name="Lisa Berglund (demo)").first.click()
    page.get_by_role("button", name="Kvittera").first.click()
    saved(page)
    case = DischargeCase.objects.get(patient__first_name="Lisa")
    assert case.fixed_contact.user.username == "peter.vk" and case.ready_at is not None
    assert case.sip_meetings.count() == 1
    assert page.console_errors == []
