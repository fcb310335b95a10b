from hemma.accounts.models import Membership
from hemma.carerequests.selectors import unread_count
from hemma.demo.selectors import demo_is_loaded
from hemma.monitoring.selectors import open_alert_count


def hemma(request):
    authenticated = request.user.is_authenticated
    acting = getattr(request, "hemma", None) if authenticated else None
    unit = getattr(acting, "unit", None) if acting else None
    return {
        "unread_requests": unread_count(unit) if unit is not None else 0,
        "open_alerts": open_alert_count(unit) if unit is not None and unit.kind == "ward" else 0,
        "hemma_demo": demo_is_loaded(),
        "acting": acting,
        "is_log_reviewer": bool(acting)
        and any(m.role == Membership.Role.LOG_REVIEWER for m in acting.memberships),
    }
