"""The start page: where each role's work is, with counts of what needs doing.

Which page a user gets follows the acting unit's kind and the staff member's profession
(`start_role`). Every count is of patients the acting unit may list (the access policy's
list filters, the same ones the linked page uses), so a count never includes a patient the
user could not open, and each card costs a fixed number of queries however many patients
there are. The page names no patient: it counts, and the linked pages show and log.

Long module: one builder per role and the cards the roles share, side by side, so that
what each role sees first can be read and compared in one place."""

from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hemma.accounts.models import Staff, Unit
from hemma.ambulance.selectors import ambulance_rows
from hemma.carerequests.selectors import needs_action
from hemma.clinical import episode_states as states
from hemma.coordination.care_coordinator import worklist as coordinator_worklist
from hemma.coordination.meetings import tasks_for_unit
from hemma.coordination.selectors import needs_action as coordination_needs_action
from hemma.episodes.models import Episode, Referral
from hemma.logreview.selectors import unreviewed_emergency_accesses
from hemma.messaging.selectors import needs_action as messages_needs_action
from hemma.monitoring.models import Alert
from hemma.monitoring.selectors import open_alerts
from hemma.patients.policy import health_record_patients_visible_to, patients_visible_to
from hemma.visits.models import Assignment, Visit

ROLE_TITLES = {
    "ward": _("Avdelningens dag"),
    "physician": _("Läkarens dag"),
    "discharge_coordinator": _("Utskrivningssamordnarens dag"),
    "home_health": _("Hemsjukvårdens dag"),
    "primary_care": _("Vårdcentralens dag"),
    "home_care": _("Hemtjänstens förfrågningar"),
    "ambulance": _("Ambulansens patienter hemma"),
    "administrator": _("Administration"),
    "other": _("Start"),
}


@dataclass(frozen=True)
class Card:
    """One piece of work: a count, what it counts, and where to do it. `needs_action`: the
    count is work waiting (shown as a warning when above zero); `main`: the role's main
    task, first on the page."""

    key: str
    title: str
    count: int | None
    what: str
    url: str
    link: str
    empty: str = ""
    needs_action: bool = False
    main: bool = False


def start_role(staff: Staff | None, unit: Unit | None) -> str:
    """Which start page: the administrator's whatever the unit, else by the unit's kind
    (a ward's physician gets the round and the decisions)."""
    if staff is not None and staff.profession == Staff.Profession.ADMINISTRATOR:
        return "administrator"
    kind = getattr(unit, "kind", None)
    if kind == Unit.Kind.WARD:
        if staff is not None and staff.profession == Staff.Profession.PHYSICIAN:
            return "physician"
        if staff is not None and staff.profession == Staff.Profession.DISCHARGE_COORDINATOR:
            return "discharge_coordinator"
        return "ward"
    if kind in Unit.VISITING_KINDS:  # home health care and the hospital's teams
        return "home_health"
    if kind == Unit.Kind.PRIMARY_CARE:
        return "primary_care"
    if kind == Unit.Kind.HOME_CARE:
        return "home_care"
    if kind == Unit.Kind.AMBULANCE:
        return "ambulance"
    return "other"


def start_cards(staff: Staff | None, unit: Unit | None, *, is_log_reviewer: bool) -> list[Card]:
    """The cards of the role's start page, the main task first."""
    role = start_role(staff, unit)
    if role == "administrator" or unit is None:
        cards = _administrator(staff)
    else:
        cards = BUILDERS[role](staff, unit)
    if is_log_reviewer and role != "administrator":
        cards.append(_log_review(staff))
    return sorted(cards, key=lambda card: not card.main)


# --- one builder per role ---------------------------------------------------------------


def _ward(staff: Staff | None, unit: Unit) -> list[Card]:
    return [
        _worklist(staff, unit, main=True),
        _alerts(staff, unit),
        _round(staff, unit),
        _requests(staff, unit),
        _messages(staff, unit),
        _coordination(staff, unit),
    ]


def _physician(staff: Staff | None, unit: Unit) -> list[Card]:
    decisions = (
        _ward_episodes(staff, unit)
        .filter(state=states.CANDIDATE, assessment__isnull=False, assessment__decided_at=None)
        .count()
    )
    return [
        _round(staff, unit, main=True),
        Card(
            key="decisions",
            title=_("Beslut om vård i hemmet"),
            count=decisions,
            what=ngettext(
                "bedömd kandidat väntar på läkarens beslut",
                "bedömda kandidater väntar på läkarens beslut",
                decisions,
            ),
            url=reverse("episodes:worklist"),
            link=_("Till arbetslistan"),
            empty=_("Inga kandidater väntar på beslut."),
            needs_action=True,
        ),
        _alerts(staff, unit),
        _messages(staff, unit),
        _worklist(staff, unit),
    ]


def _discharge_coordinator(staff: Staff | None, unit: Unit) -> list[Card]:
    return [
        _coordination(staff, unit, main=True),
        _requests(staff, unit),
        _worklist(staff, unit),
    ]


def _home_health(staff: Staff | None, unit: Unit) -> list[Card]:
    today = timezone.localdate()
    visible = health_record_patients_visible_to(staff, unit)
    mine = (
        Assignment.objects.filter(staff=staff, visit__day=today, visit__unit=unit)
        .filter(visit__episode__patient__in=visible)
        .filter(visit__status__in=(Visit.Status.ASSIGNED, Visit.Status.ARRIVED))
        .count()
    )
    unplanned = Visit.objects.filter(
        unit=unit, day=today, status=Visit.Status.PLANNED, episode__patient__in=visible
    ).count()
    at_home = Episode.objects.filter(
        home_health_unit=unit, state__in=states.AT_HOME_STATES, patient__in=visible
    ).count()
    return [
        Card(
            key="run_sheet",
            title=_("Min körlista i dag"),
            count=mine,
            what=_("besök kvar att göra"),
            url=reverse("visits:run_sheet"),
            link=_("Öppna körlistan"),
            empty=_("Du har inga besök kvar i dag."),
            main=True,
        ),
        _requests(staff, unit),
        Card(
            key="at_home",
            title=_("Patienter hemma"),
            count=at_home,
            what=ngettext("patient vårdas hemma", "patienter vårdas hemma", at_home),
            url=reverse("episodes:worklist"),
            link=_("Till arbetslistan"),
            empty=_("Inga patienter vårdas hemma just nu."),
        ),
        Card(
            key="planner",
            title=_("Hembesök"),
            count=unplanned,
            what=_("besök i dag saknar personal"),
            url=reverse("visits:planner"),
            link=_("Planera besöken"),
            empty=_("Alla dagens besök är planerade."),
            needs_action=True,
        ),
        _round(staff, unit),
        _coordination(staff, unit),
    ]


def _primary_care(staff: Staff | None, unit: Unit) -> list[Card]:
    referrals = Referral.objects.filter(
        to_unit=unit, read_at=None, episode__patient__in=patients_visible_to(staff, unit)
    ).count()
    listed = len(coordinator_worklist(unit, staff))
    return [
        Card(
            key="coordinator",
            title=_("Vårdkoordinatorns lista"),
            count=listed,
            what=ngettext(
                "listad patient behöver samordning", "listade patienter behöver samordning", listed
            ),
            url=reverse("coordination:worklist"),
            link=_("Öppna listan"),
            empty=_("Inga patienter som behöver samordning just nu."),
            main=True,
        ),
        Card(
            key="referrals",
            title=_("Remisser efter utskrivning"),
            count=referrals,
            what=ngettext("oläst remiss", "olästa remisser", referrals),
            url=reverse("episodes:worklist"),
            link=_("Läs remisserna"),
            empty=_("Inga olästa remisser."),
            needs_action=True,
        ),
        _coordination(staff, unit),
        _meetings(),
    ]


def _home_care(staff: Staff | None, unit: Unit) -> list[Card]:
    return [_requests(staff, unit, main=True), _coordination(staff, unit)]


def _ambulance(staff: Staff | None, unit: Unit) -> list[Card]:
    at_home = len(ambulance_rows(staff, unit)) if staff is not None else 0
    return [
        Card(
            key="ambulance",
            title=_("Hemmavårdade patienter"),
            count=at_home,
            what=ngettext("patient vårdas hemma", "patienter vårdas hemma", at_home),
            url=reverse("ambulance:list"),
            link=_("Öppna listan"),
            empty=_("Inga patienter vårdas hemma just nu."),
            main=True,
        ),
        Card(
            key="temporary_visit",
            title=_("Tillfälligt besök"),
            count=None,
            what="",
            url=reverse("coordination:temporary_visit"),
            link=_("Registrera tillfälligt besök"),
        ),
        _meetings(),
    ]


def _other(staff: Staff | None, unit: Unit) -> list[Card]:
    return [
        Card(
            key="patients",
            title=_("Patienter"),
            count=None,
            what="",
            url=reverse("patients:list"),
            link=_("Sök patient"),
            main=True,
        ),
        _requests(staff, unit),
        _coordination(staff, unit),
    ]


def _administrator(staff: Staff | None) -> list[Card]:
    return [
        Card(
            key="setup",
            title=_("Kom igång"),
            count=None,
            what="",
            url=reverse("setup:start"),
            link=_("Enheter, personal och trygghetsplatser"),
            main=True,
        ),
        _log_review(staff),
    ]


BUILDERS = {
    "ward": _ward,
    "physician": _physician,
    "discharge_coordinator": _discharge_coordinator,
    "home_health": _home_health,
    "primary_care": _primary_care,
    "home_care": _home_care,
    "ambulance": _ambulance,
    "other": _other,
}


# --- the cards several roles share ------------------------------------------------------


def _ward_episodes(staff: Staff | None, unit: Unit):
    return Episode.objects.filter(
        ward=unit, patient__in=health_record_patients_visible_to(staff, unit)
    ).exclude(state__in=states.FINAL_STATES)


def _worklist(staff: Staff | None, unit: Unit, *, main: bool = False) -> Card:
    n = _ward_episodes(staff, unit).count()
    return Card(
        key="worklist",
        title=_("Arbetslista"),
        count=n,
        what=ngettext("pågående vårdtillfälle", "pågående vårdtillfällen", n),
        url=reverse("episodes:worklist"),
        link=_("Öppna arbetslistan"),
        empty=_("Inga pågående vårdtillfällen."),
        main=main,
    )


def _alerts(staff: Staff | None, unit: Unit) -> Card:
    n = open_alerts(staff, unit).filter(status=Alert.Status.OPEN).count()
    return Card(
        key="alerts",
        title=_("Larm"),
        count=n,
        what=ngettext("nytt larm att kvittera", "nya larm att kvittera", n),
        url=reverse("monitoring:alerts"),
        link=_("Till larmen"),
        empty=_("Inga nya larm."),
        needs_action=True,
    )


def _round(staff: Staff | None, unit: Unit, *, main: bool = False) -> Card:
    # The ward's patients at home, or the visiting unit's (it joins the ward's round).
    side = Q(ward=unit) if unit.kind == Unit.Kind.WARD else Q(home_health_unit=unit)
    waiting = (
        Episode.objects.filter(side, state=states.AT_HOME)
        .filter(patient__in=health_record_patients_visible_to(staff, unit))
        .exclude(round_entries__day=timezone.localdate())
        .count()
    )
    return Card(
        key="round",
        title=_("Dagens rond"),
        count=waiting,
        what=ngettext("patient utan rondbeslut i dag", "patienter utan rondbeslut i dag", waiting),
        url=reverse("monitoring:round"),
        link=_("Till ronden"),
        empty=_("Alla patienter har rondbeslut i dag."),
        needs_action=True,
        main=main,
    )


def _requests(staff: Staff | None, unit: Unit, *, main: bool = False) -> Card:
    n = needs_action(staff, unit).count()
    return Card(
        key="requests",
        title=_("Vårdbegäran"),
        count=n,
        what=ngettext("vårdbegäran att besvara", "vårdbegäranden att besvara", n),
        url=reverse("carerequests:inbox") + "?status=open",
        link=_("Till inkorgen"),
        empty=_("Inga vårdbegäranden väntar på er."),
        needs_action=True,
        main=main,
    )


def _messages(staff: Staff | None, unit: Unit) -> Card:
    n = messages_needs_action(staff, unit).count()
    return Card(
        key="messages",
        title=_("Meddelanden från patienter"),
        count=n,
        what=ngettext("oläst meddelande", "olästa meddelanden", n),
        url=reverse("messaging:inbox"),
        link=_("Till meddelandena"),
        empty=_("Inga olästa meddelanden."),
        needs_action=True,
    )


def _coordination(staff: Staff | None, unit: Unit, *, main: bool = False) -> Card:
    today = timezone.localdate()
    unread = coordination_needs_action(staff, unit).count()
    due = tasks_for_unit(unit, staff).filter(Q(due_on__lte=today)).count()
    return Card(
        key="coordination",
        title=_("Samordning"),
        count=unread + due,
        what=ngettext("sak att samordna i dag", "saker att samordna i dag", unread + due),
        url=reverse("coordination:worklist"),
        link=_("Till samordningen"),
        empty=_("Inget att samordna i dag."),
        needs_action=True,
        main=main,
    )


def _meetings() -> Card:
    return Card(
        key="meetings",
        title=_("Samverkansmöten"),
        count=None,
        what="",
        url=reverse("coordination:meetings"),
        link=_("Till mötena"),
    )


def _log_review(staff: Staff | None) -> Card:
    count = len(unreviewed_emergency_accesses(staff)) if staff is not None else 0
    return Card(
        key="log_review",
        title=_("Logggranskning"),
        count=count,
        what=ngettext("nödåtkomst att granska", "nödåtkomster att granska", count),
        url=reverse("audit:review"),
        link=_("Granska loggen"),
        empty=_("Inga nödåtkomster väntar på granskning."),
        needs_action=True,
    )
