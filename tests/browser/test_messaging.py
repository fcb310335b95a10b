"""Lisa writes to the ward from her tablet, the ward answers, and the tablet shows the
answer – with read receipts both ways, the menu's unread badge, and touch targets an
elderly patient can hit (at least 44 px)."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from hemma.episodes.models import Episode
from hemma.messaging.models import Message
from tests.browser.test_kim_episode_flow import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_message_round_trip_between_lisas_tablet_and_the_ward(browser, page, live_server):
    call_command("load_demo", "--quiet")
    episode = Episode.objects.get(patient__first_name="Lisa", state="at_home")
    base = live_server.url

    log_in(page, base, "anna.ssk")
    page.goto(f"{base}/monitoring/episode/{episode.pk}/")
    page.get_by_role("button", name="Ny kod till patientens surfplatta").click()
    code = page.locator("p.code").inner_text().strip()

    context = browser.new_context(locale="sv-SE", viewport={"width": 800, "height": 1200})
    tablet = context.new_page()
    tablet.set_default_timeout(15_000)
    tablet.goto(f"{base}/patient/start/")
    tablet.get_by_label("Kod från avdelningen").fill(code)
    tablet.get_by_role("button", name="Koppla").click()
    link = tablet.get_by_role("link", name="Meddelanden till avdelningen")
    assert link.bounding_box()["height"] >= 44
    link.click()
    expect(tablet.get_by_text("Tack, då väntar jag på henne.")).to_be_visible()  # the demo's
    tablet.get_by_label("Ditt meddelande").fill("Nu har jag 38,4 i feber. Ska jag ringa?")
    send = tablet.get_by_role("button", name="Skicka till avdelningen")
    assert send.bounding_box()["height"] >= 44
    send.click()
    expect(tablet.get_by_text("Tack! Meddelandet är skickat till avdelningen.")).to_be_visible()
    expect(tablet.get_by_text("Inte läst ännu").last).to_be_visible()

    page.goto(f"{base}/episodes/")
    menu = page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Meddelanden")
    expect(menu).to_contain_text("2")  # the demo's unread thanks and the new question
    menu.click()
    page.get_by_role("link", name="Lisa").first.click()
    expect(page.get_by_text("Nu har jag 38,4 i feber. Ska jag ringa?")).to_be_visible()
    page.get_by_label("Meddelande").fill("Ja, ring oss nu på avdelningen, så pratar vi.")
    page.get_by_role("button", name="Skicka").click()
    expect(page.get_by_text("Meddelandet är skickat till patienten.")).to_be_visible()
    expect(page.get_by_text("Inte läst av patienten")).to_be_visible()

    tablet.reload()
    expect(tablet.get_by_text("Ja, ring oss nu på avdelningen, så pratar vi.")).to_be_visible()
    expect(tablet.get_by_text("Läst av avdelningen").last).to_be_visible()
    page.reload()
    # The demo's two answers (yesterday evening's and this morning's) and the new one.
    expect(page.get_by_text("Patienten läste")).to_have_count(3)
    assert not Message.objects.filter(episode=episode, read_at__isnull=True).exists()
    context.close()
