"""Whose documentation a visit's concern alert is, for blocking (spärr): the visiting
unit's (the alert quotes the visit's note). Registered with monitoring's alert sources in
VisitsConfig.ready(); monitoring sits below this app and does not import it."""

from hemma.monitoring.alert_sources import register_source
from hemma.monitoring.models import Alert

from .models import Visit


def visiting_units(alerts: list[Alert]) -> dict[int, int]:
    """{alert id: the visiting unit's id} for the visit-concern alerts among `alerts`, in
    one query (none when there is no such alert)."""
    ids = [alert.pk for alert in alerts if alert.kind == Alert.Kind.VISIT_CONCERN]
    if not ids:
        return {}
    return dict(
        Visit.objects.filter(concern_alert_id__in=ids).values_list("concern_alert_id", "unit_id")
    )


def register() -> None:
    register_source(visiting_units)
