"""`{% current_medication_list episode %}`: the episode's current list where another app's
page shows it (the care request follows the list instead of a frozen copy). The caller has
already read the episode through the access policy."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone

from hemma.medication.models import DoseAdministration, MedicationListVersion
from hemma.medication.selectors import medication_blocks, visible_doses

register = template.Library()


@register.inclusion_tag("medication/_current_for_request.html")
def current_medication_list(episode):
    current = (
        MedicationListVersion.objects.filter(episode=episode)
        .select_related("created_by__user")
        .prefetch_related("items")
        .order_by("-number")
        .first()
    )
    return {"episode": episode, "current": current}


@register.filter
def runs_own_pump(episode) -> bool:
    """Whether the patient gives doses of the current list themselves (the tablet links
    to its dose page only then)."""
    current = MedicationListVersion.objects.filter(episode=episode).order_by("-number").first()
    return current is not None and current.items.filter(self_administered=True).exists()


@register.inclusion_tag("medication/_summary_doses.html", takes_context=True)
def todays_doses(context, episode):
    """The episode page's summary: today's doses and what was recorded (one query), without
    the doses a block withholds from the reader (selectors.visible_doses; the page logs an
    opening with the patient's consent itself)."""
    day = timezone.localdate()
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    doses = (
        DoseAdministration.objects.filter(
            episode=episode, due_at__gte=start, due_at__lt=start + timedelta(days=1)
        )
        .select_related("item__version")
        .order_by("due_at", "drug")
    )
    hemma = getattr(context.get("request"), "hemma", None)
    blocks = medication_blocks(getattr(hemma, "staff", None), getattr(hemma, "unit", None), episode)
    return {"episode": episode, "doses": visible_doses(list(doses), blocks), "blocked": blocks}
