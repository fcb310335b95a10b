from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from hemma.accounts.models import Membership, Unit
from hemma.carerequests.selectors import needs_action
from hemma.coordination.selectors import needs_action as coordination_needs_action
from hemma.messaging.selectors import needs_action as messages_needs_action
from hemma.monitoring.models import Alert
from hemma.patients.policy import health_record_patients_visible_to


def _count(queryset, field: str):
    """A correlated COUNT(*) for the acting unit, as a subquery of one query."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _total(queryset):
    """A COUNT(*) of an already unit-scoped queryset, as a subquery of one query."""
    counted = (
        queryset.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def nav_counts(unit: Unit, staff=None) -> dict:
    """The menu's badges (care requests to handle, unread coordination messages, open alerts)
    in one query, so every page pays for them once."""
    row = (
        Unit.objects.filter(pk=unit.pk)
        .annotate(
            # Only patients the unit may list: a badge counts no hidden patient.
            # Care requests waiting for this unit (to answer, or a question to answer), not
            # every request nobody marked read (historic ones included).
            unread_requests=_total(needs_action(staff, unit)),
            # Messages of current cases not yet acknowledged (kvitterade), not every unread one.
            unread_coordination=_count(coordination_needs_action(staff, unit), "unit"),
            # The patients' unread messages to the unit as their ward, of episodes going on.
            unread_messages=_count(messages_needs_action(staff, unit), "episode__ward"),
            open_alerts=_count(
                Alert.objects.filter(
                    status="open",
                    episode__patient__in=health_record_patients_visible_to(staff, unit),
                ),
                "unit",
            ),
        )
        .values("unread_requests", "unread_coordination", "unread_messages", "open_alerts")
        .first()
    )
    return row or {}


def navigation(request):
    """Who acts for which unit, whether they review logs, and the menu's badges."""
    authenticated = request.user.is_authenticated
    acting = getattr(request, "hemma", None) if authenticated else None
    unit = getattr(acting, "unit", None) if acting else None
    return {
        **(nav_counts(unit, getattr(acting, "staff", None)) if unit is not None else {}),
        "acting": acting,
        "is_log_reviewer": bool(acting)
        and any(m.role == Membership.Role.LOG_REVIEWER for m in acting.memberships),
    }
