"""Layout (issue 19): the header fits one row at 1366 px with the unit select fully visible,
folds into two clean rows (the links, then the unit and the user) from 960 to 1365 px,
collapses behind a "Meny" button on a phone (reachable by keyboard, and without JavaScript
the links stay on the page), touch targets on the patient's tablet and the run sheet are at
least 44 × 44 px, and print views still hide the header."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from hemma.accounts.models import Membership, Staff, Unit
from hemma.episodes.models import Episode
from hemma.visits import services as visits
from hemma.visits.models import Assignment, Visit
from tests.browser.test_kim_episode_flow import DEMO_PASSWORD
from tests.browser.test_monitoring import kim_at_home

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOUCH = 44  # px: WCAG 2.5.5 target size (AAA), the size asked for elderly users


def sign_in(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{base}/")


def context(browser, width, height, **options):
    viewport = {"width": width, "height": height}
    ctx = browser.new_context(locale="sv-SE", viewport=viewport, **options)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    return ctx, page


def too_small(locator):
    """The visible elements of a locator whose box is smaller than TOUCH × TOUCH."""
    small = []
    for index in range(locator.count()):
        element = locator.nth(index)
        if not element.is_visible():
            continue
        box = element.bounding_box()
        if box["width"] < TOUCH or box["height"] < TOUCH:
            label = element.inner_text().strip() or element.get_attribute("name")
            small.append((label, round(box["width"]), round(box["height"])))
    return small


def test_the_ward_header_is_one_row_at_1366_with_the_unit_select_visible(browser, live_server):
    call_command("load_demo", "--quiet")
    anna = Staff.objects.get(user__username="anna.ssk")
    # a ward nurse who also works for every other unit of the demo: the longest select
    for unit in Unit.objects.exclude(memberships__staff=anna):
        Membership.objects.create(staff=anna, unit=unit)
    ctx, page = context(browser, 1366, 768)
    sign_in(page, live_server.url, "anna.ssk")
    ward = Unit.objects.get(kind="ward")
    page.get_by_label("Agerar för").select_option(str(ward.pk))  # submits the form
    expect(page.get_by_label("Agerar för")).to_have_value(str(ward.pk))
    page.goto(f"{live_server.url}/patients/")

    header = page.locator("header.topbar").bounding_box()
    select = page.get_by_label("Agerar för")
    expect(select).to_be_visible()
    box = select.bounding_box()
    print(f"\n1366x768 ward: header height {header['height']:.0f} px, select {box}")
    assert header["height"] < 80  # one row
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1366
    assert box["y"] >= 0 and box["y"] + box["height"] <= header["y"] + header["height"]
    # not clipped by an overflowing parent, and its text is not cut either
    assert page.evaluate(
        """() => {
            const s = document.getElementById('acting-unit');
            const r = s.getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return hit === s || s.contains(hit);
        }"""
    )
    needed = page.evaluate(NAME_WIDTH)
    # The select shows the unit's name without its hospital ("Infektionsavdelning 30"; the
    # full name is the option's title and the start page's heading): whole, not cut, beside
    # the ward's nine links (the arrow takes about 28 px of the select).
    print(f"unit name needs {needed:.0f} px, the select is {box['width']:.0f} px")
    assert (
        page.evaluate("document.getElementById('acting-unit').selectedOptions[0].text")
        == (ward.name.split(",")[0])
    )
    assert needed + 28 <= box["width"]
    # every menu link is on the page, none hidden behind a menu button
    expect(page.get_by_role("button", name="Meny")).to_be_hidden()
    for name in ("Patienter", "Vård i hemmet", "Larm", "Meddelanden", "Rond", "Uppföljning"):
        expect(page.get_by_role("navigation").get_by_role("link", name=name)).to_be_visible()

    # Home health care's menu has nine links too (Hembesök, Min körlista): its unit's name
    # ("Hemsjukvården centrum") shows whole in one row as well.
    home_health = Unit.objects.get(kind="home_health_care")
    page.get_by_label("Agerar för").select_option(str(home_health.pk))
    expect(page.get_by_label("Agerar för")).to_have_value(str(home_health.pk))
    page.goto(f"{live_server.url}/patients/")
    expect(page.get_by_role("navigation").get_by_role("link", name="Min körlista")).to_be_visible()
    assert page.locator("header.topbar").bounding_box()["height"] < 80
    box = page.get_by_label("Agerar för").bounding_box()
    needed = page.evaluate(NAME_WIDTH)
    print(f"home health: unit name needs {needed:.0f} px, the select is {box['width']:.0f} px")
    assert needed + 28 <= box["width"]
    ctx.close()


# How wide the chosen unit's name is in the select's font.
NAME_WIDTH = """() => {
    const s = document.getElementById('acting-unit');
    const probe = document.createElement('span');
    probe.style.font = getComputedStyle(s).font;
    probe.style.whiteSpace = 'nowrap';
    probe.style.position = 'absolute';
    probe.textContent = s.options[s.selectedIndex].text;
    document.body.append(probe);
    const width = probe.getBoundingClientRect().width;
    probe.remove();
    return width;
}"""


def a_visit_for_karin_now():
    karin = Staff.objects.get(user__username="karin.hsv")
    unit = Unit.objects.get(kind="home_health_care")
    lisa = Episode.objects.get(patient__first_name="Lisa", state="at_home")
    now = timezone.now()
    visits.visit_add(
        staff=karin,
        unit=unit,
        episode=lisa,
        day=timezone.localdate(),
        what="Provtagning efter larm",
        window_start=now,
        window_end=now + timedelta(hours=2),
        duration_minutes=20,
        skill="nurse",
        priority=2,
    )
    visit = Visit.objects.get(what="Provtagning efter larm")
    Assignment.objects.create(
        visit=visit, staff=karin, position=1, planned_arrival=now, planned_start=now
    )
    Visit.objects.filter(pk=visit.pk).update(status="assigned")


@pytest.mark.usefixtures("daytime_clock")  # a visit "now" within the planning day
def test_the_run_sheet_on_a_phone_has_a_small_header_and_a_menu(browser, live_server):
    call_command("load_demo", "--quiet")
    a_visit_for_karin_now()
    base = live_server.url
    ctx, page = context(browser, 390, 844)
    sign_in(page, base, "karin.hsv")
    page.goto(f"{base}/visits/mine/")
    card = page.locator(".run-visit", has_text="Provtagning efter larm")
    expect(card).to_be_visible()

    main = page.locator("main").bounding_box()
    header = page.locator("header.topbar").bounding_box()
    print(f"\n390x844 run sheet: header {header['height']:.0f} px, content at {main['y']:.0f}")
    assert main["y"] <= 120
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll

    # the menu: a button, reachable by keyboard, that shows the links and the unit select
    toggle = page.get_by_role("button", name="Meny")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    run_sheet_link = page.get_by_role("navigation").get_by_role("link", name="Min körlista")
    expect(run_sheet_link).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(run_sheet_link).to_be_visible()
    expect(page.get_by_label("Agerar för")).to_be_visible()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    page.keyboard.press("Tab")  # focus moves into the opened menu
    assert page.evaluate("document.activeElement.closest('.topbar-menu') !== null")
    page.keyboard.press("Escape")  # closes it and gives focus back to the button
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(run_sheet_link).to_be_hidden()
    expect(toggle).to_be_focused()
    toggle.click()
    run_sheet_link.click()
    page.wait_for_url(f"{base}/visits/mine/")

    # the run sheet's buttons, links and fields are big enough to hit in a moving car
    card = page.locator(".run-visit", has_text="Provtagning efter larm")
    targets = card.locator("button, a.btn, input[type=text], .actions a")
    assert targets.count() >= 3
    assert too_small(targets) == []
    assert too_small(page.locator("main > .actions a")) == []  # previous / next day
    assert too_small(page.locator("header.topbar button")) == []

    # print: the header, its menu button and the footer are not printed
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(card.get_by_role("button", name="Utfört")).to_be_hidden()
    expect(card).to_contain_text("Provtagning efter larm")
    ctx.close()


def test_without_javascript_the_phone_menu_stays_open(browser, live_server):
    call_command("load_demo", "--quiet")
    base = live_server.url
    ctx, page = context(browser, 390, 844, java_script_enabled=False)
    sign_in(page, base, "karin.hsv")
    page.goto(f"{base}/visits/mine/")
    expect(page.get_by_role("button", name="Meny")).to_be_hidden()
    nav = page.get_by_role("navigation")
    for name in ("Start", "Patienter", "Hembesök", "Min körlista"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    ctx.close()


def test_the_patients_tablet_has_44_px_choices_and_buttons(browser, page, live_server):
    call_command("load_demo", "--quiet")
    episode = kim_at_home()
    base = live_server.url
    sign_in(page, base, "anna.ssk")
    page.goto(f"{base}/monitoring/episode/{episode.pk}/")
    page.get_by_role("button", name="Ny kod till patientens surfplatta").click()
    code = page.locator("p.code").inner_text().strip()

    ctx, tablet = context(browser, 800, 1200)
    tablet.goto(f"{base}/patient/start/")
    tablet.get_by_label("Kod från avdelningen").fill(code)
    tablet.get_by_role("button", name="Koppla").click()
    expect(tablet.get_by_role("heading", name="Hej Kim")).to_be_visible()
    for width, height in ((800, 1200), (390, 844)):
        tablet.set_viewport_size({"width": width, "height": height})
        labels = tablet.locator("label:has(input[type=radio]), label:has(input[type=checkbox])")
        assert labels.count() == 7
        radio = tablet.locator("input[type=radio]").first.bounding_box()
        print(f"\n{width}x{height} tablet: radio {radio['width']:.0f} px")
        assert too_small(labels) == []
        assert too_small(tablet.locator("button, a.btn")) == []
        assert radio["width"] >= 32  # the dot itself is visible to weak eyes
        assert tablet.evaluate("document.documentElement.scrollWidth") <= width
    # a tap anywhere on the label's box chooses the answer
    worse = tablet.locator("label.choice", has_text="Sämre")
    worse.scroll_into_view_if_needed()
    box = worse.bounding_box()
    tablet.mouse.click(box["x"] + box["width"] - 4, box["y"] + box["height"] - 4)
    expect(tablet.get_by_label("Sämre")).to_be_checked()
    ctx.close()


# The demo's roles whose headers differ: a ward nurse (nine links), home health care's
# nurse, the ward's physician, the discharge coordinator, primary care's coordinator and
# the administrator.
ROLES = ("anna.ssk", "karin.hsv", "erik.lak", "lena.us", "peter.vk", "admin.region")

# The header's visible parts, each as {what, left, top, right, bottom}.
HEADER_PARTS = """() => {
    const parts = document.querySelectorAll(
        '.topbar .brand, .topbar nav a, .topbar form:has(#acting-unit), '
        + '.topbar .user-menu > summary, .topbar button.link, .topbar .menu-toggle');
    return [...parts].filter(e => e.checkVisibility()).map(e => {
        const r = e.getBoundingClientRect();
        return {what: e.textContent.trim().slice(0, 30) || e.tagName,
                left: r.left, top: r.top, right: r.right, bottom: r.bottom};
    });
}"""


# The vertical centres of the header's tools: the unit select, the user's name, log-out.
TOOL_ROWS = """() => [...document.querySelectorAll(
        '.topbar form:has(#acting-unit), .topbar .user-menu > summary, .topbar button.link')]
    .map(e => { const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; })"""


def overlapping(parts) -> list[tuple[str, str]]:
    """The pairs of header parts whose boxes overlap (by more than half a pixel)."""
    pairs = []
    for i, a in enumerate(parts):
        for b in parts[i + 1 :]:
            wide = min(a["right"], b["right"]) - max(a["left"], b["left"])
            high = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if wide > 0.5 and high > 0.5:
                pairs.append((a["what"], b["what"]))
    return pairs


@pytest.mark.parametrize("width", [960, 1024, 1100, 1200, 1280])
def test_the_header_fits_between_960_and_1300_px(browser, live_server, width):
    """No sideways scroll, no header part on top of another, the unit's name whole and
    every menu link on the page (or behind "Meny") for each of the demo's roles."""
    call_command("load_demo", "--quiet")
    base = live_server.url
    for username in ROLES:
        ctx, page = context(browser, width, 800)
        sign_in(page, base, username)
        page.goto(f"{base}/patients/" if username != "admin.region" else f"{base}/")
        parts = page.evaluate(HEADER_PARTS)
        header = page.locator("header.topbar").bounding_box()
        print(f"\n{width} {username}: header {header['height']:.0f} px")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, username
        assert overlapping(parts) == [], username
        assert all(p["left"] >= 0 and p["right"] <= width for p in parts), (username, parts)
        # the unit, the user and log-out stay together on one row (not one at a time)
        tools = page.evaluate(TOOL_ROWS)
        assert max(tools) - min(tools) <= 4, (username, tools)
        select = page.locator("#acting-unit")
        if select.is_visible():
            needed = page.evaluate(NAME_WIDTH)
            box = select.bounding_box()
            print(f"  unit name needs {needed:.0f} px, the select is {box['width']:.0f} px")
            assert needed + 28 <= box["width"], username
        toggle = page.get_by_role("button", name="Meny")
        if toggle.is_visible():
            toggle.click()
        links = page.locator(".topbar nav a")
        assert links.count() >= 3
        for index in range(links.count()):
            expect(links.nth(index)).to_be_visible()
        ctx.close()
