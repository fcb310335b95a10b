"""The access policy in the browser: the municipal nurse sees Lisa's episode without the
ward's buttons; when Lisa revokes her consent (the ward records it), Lisa disappears at
once from the nurse's worklist, planner and map."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from hemma.episodes.models import Episode
from tests.browser.test_kim_episode_flow import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WARD_BUTTONS = [
    "Direktinlägg på trygghetsplatsen",
    "Skriv ut patienten",
    "Avbryt vårdtillfället",
    "Ny vårdbegäran",
    "Registrera",
]


def test_the_municipal_nurse_sees_lisa_without_the_wards_buttons_until_consent_ends(
    page, live_server
):
    call_command("load_demo", "--quiet")
    base = live_server.url
    lisa = Episode.objects.get(patient__first_name="Lisa", state="at_home")

    log_in(page, base, "karin.hsv")
    page.goto(f"{base}/episodes/{lisa.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lisa")
    for label in WARD_BUTTONS:
        expect(page.get_by_role("button", name=label)).to_have_count(0)
        expect(page.get_by_role("link", name=label)).to_have_count(0)
    page.goto(f"{base}/episodes/")
    expect(page.locator("main")).to_contain_text("Lisa")
    page.goto(f"{base}/visits/")
    expect(page.locator("main")).to_contain_text("Lisa Berglund")
    log_out(page)

    # The ward records that Lisa withdraws her consent to region–municipality sharing.
    log_in(page, base, "anna.ssk")
    page.goto(f"{base}/patients/{lisa.patient_id}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Återkalla samtycke", exact=True).click()
    expect(page.get_by_text("Inget samtycke till informationsdelning")).to_be_visible()
    log_out(page)

    log_in(page, base, "karin.hsv")
    page.goto(f"{base}/episodes/")
    expect(page.locator("main")).not_to_contain_text("Lisa")
    page.goto(f"{base}/visits/")
    expect(page.locator("main")).not_to_contain_text("Lisa Berglund")
    expect(page.get_by_role("img", name="Karta över dagens turer")).not_to_contain_text("Lisa")
    response = page.goto(f"{base}/episodes/{lisa.pk}/")
    assert response.status == 404
