"""Home visits through the pages: the home health unit's planner plans the demo's day
tomorrow with one click (a job the worker runs while the page polls its progress), shows
routes, map and what could not be planned, and a manual move
is checked; the nurse who got today's urgent visit opens the run sheet, arrives and marks it
done."""

from datetime import datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from hemma.accounts.models import Staff, Unit
from hemma.episodes.models import Episode
from hemma.visits import services
from hemma.visits.models import Visit
from tests.browser.test_kim_episode_flow import log_in, log_out, saved
from tests.jobs.workers import worker_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def plan_by_polling(page):
    """Click "Planera dagen": the planning is queued and the worker (a thread here) plans;
    the page shows its progress and then the result by polling, without a reload; the
    link then shows the new plan."""
    with worker_thread():
        page.get_by_role("button", name="Planera dagen").click()
        saved(page)  # "Planeringen är startad"
        page.evaluate("() => { window.notReloaded = true; }")
        status = page.locator("#plan-job")
        expect(status).to_contain_text("Dagen är planerad:", timeout=60_000)
        assert page.evaluate("() => window.notReloaded") is True  # polled, not reloaded
    status.get_by_role("link", name="Visa planen").click()
    expect(page.locator("#plan-job")).to_have_count(0)


def test_the_planner_plans_tomorrow_and_a_nurse_runs_today(page, live_server):
    call_command("load_demo", "--quiet")
    base = live_server.url
    unit = Unit.objects.get(kind="home_health_care")
    karin = Staff.objects.get(user__username="karin.hsv")
    today = services.planning_day(timezone.now())
    tomorrow = today + timedelta(days=1)

    # An evening look-in for an assistant nurse, when none works in the evening.
    at_home = Episode.objects.filter(home_health_unit=unit, state="at_home").first()
    evening = timezone.make_aware(datetime.combine(tomorrow, time(20, 0)))
    services.visit_add(
        staff=karin,
        unit=unit,
        episode=at_home,
        day=tomorrow,
        what="Kvällstillsyn",
        window_start=evening,
        window_end=evening + timedelta(minutes=30),
        duration_minutes=20,
        skill="assistant_nurse",
    )

    log_in(page, base, "karin.hsv")
    page.get_by_role("link", name="Hembesök").click()
    page.goto(f"{base}/visits/?day={tomorrow:%Y-%m-%d}")
    expect(page.get_by_text("Ej planerade besök")).to_be_visible()
    page.get_by_label("Tidsgräns").select_option("1")
    plan_by_polling(page)
    expect(page.locator("#plan-summary")).to_contain_text("total restid")
    expect(page.locator("svg polyline").first).to_be_attached()
    expect(page.get_by_text("dubbelbemanning med").first).to_be_visible()
    # what cannot be done is listed with its reason (no assistant nurse in the evening)
    expect(page.get_by_text("Tidsfönstret ligger utanför alla arbetspass")).to_be_visible()

    # move a nurse's daytime visit to Sofia, first in her route (blood samples are taken on
    # Mondays and Thursdays only, so the visit is chosen by what tomorrow has)
    sofia = Staff.objects.get(user__username="sofia.hsv")
    sample = next(
        visit
        for visit in Visit.objects.filter(day=tomorrow, skill="nurse", staff_needed=1)
        .order_by("window_start", "pk")
        .prefetch_related("assignments__staff")
        if len(visit.assignments.all()) == 1
        and visit.assignments.all()[0].staff != sofia
        and 8 <= timezone.localtime(visit.window_start).hour < 14
    )
    holder = sample.assignments.first().staff
    row = page.locator(f"#visit-{sample.pk}-{holder.pk}")
    row.get_by_text("Flytta / ställ in").click()
    row.get_by_label("Till").select_option(str(sofia.pk))
    row.get_by_label("plats").fill("1")
    row.get_by_role("button", name="Flytta").click()
    expect(page.locator(".messages")).to_contain_text("Flyttat")
    assert sample.assignments.get().staff == sofia
    expect(page.locator("#plan-summary")).to_contain_text("manuellt ändrad")
    assert page.console_errors == []

    # today: an ad-hoc visit to Lisa now, with a shift for Karin around it
    now = timezone.now()
    services.shift_save(
        staff=karin,
        unit=unit,
        worker=karin,
        day=today,
        starts=now - timedelta(hours=1),
        ends=now + timedelta(hours=5),
        latitude="60.606600",
        longitude="15.631000",
    )
    lisa = Episode.objects.get(patient__first_name="Lisa", state="at_home")
    services.visit_add(
        staff=karin,
        unit=unit,
        episode=lisa,
        day=today,
        what="Provtagning efter larm",
        window_start=now,
        window_end=now + timedelta(hours=2),
        duration_minutes=20,
        skill="nurse",
        priority=2,
    )
    page.goto(f"{base}/visits/?day={today:%Y-%m-%d}")
    page.get_by_label("Tidsgräns").select_option("1")
    plan_by_polling(page)
    # whoever the planner gave it to (Karin, or Nils on the evening shift) runs it
    holder = Visit.objects.get(what="Provtagning efter larm").assignments.get().staff
    log_out(page)
    log_in(page, base, holder.user.username)
    page.get_by_role("link", name="Min körlista").click()
    page.goto(f"{base}/visits/mine/?day={today:%Y-%m-%d}")
    card = page.locator(".run-visit", has_text="Provtagning efter larm")
    expect(card).to_contain_text("Slaggatan 4")  # Lisa's address (demo)
    card.get_by_role("button", name="Jag är på plats").click()
    saved(page)
    card = page.locator(".run-visit", has_text="Provtagning efter larm")
    card.get_by_label("Anteckning").fill("Prov taget, skickat med bud")
    card.get_by_role("button", name="Utfört").click()
    saved(page)
    visit = Visit.objects.get(what="Provtagning efter larm")
    assert visit.status == "done" and visit.note == "Prov taget, skickat med bud"
    assert visit.done_by == holder
