"""The demo ward's duty roster and final escalation step (issue 18), through the real
services: Erik Lind on call in the day and evening with Sofie Malm as deputy, the other
way round at night and at the weekend, and the hospital's on-call physician's number as
the last step (a number from PTS's fiction series, see data). Idempotent: a slot or a
final step the ward already set is left as it is."""

from hemma.accounts.models import Staff
from hemma.monitoring import services as monitoring
from hemma.monitoring.models import DutyRosterEntry, EscalationFinalStep

ROSTER = {
    "day": ("erik.lak", "sofie.lak"),
    "evening": ("erik.lak", "sofie.lak"),
    "night": ("sofie.lak", "erik.lak"),
    "weekend": ("sofie.lak", "erik.lak"),
}
FINAL_INSTRUCTION = "Ring sjukhusets primärjour via växeln 070-174 06 90 och be om medicinjouren."


def duty_roster_ensure(units: dict, nurse: Staff) -> None:
    ward = units["ward"]
    people = {
        s.user.username: s
        for s in Staff.objects.filter(user__username__in=["erik.lak", "sofie.lak"]).select_related(
            "user"
        )
    }
    for slot, (on_call, deputy) in ROSTER.items():
        if not DutyRosterEntry.objects.filter(ward=ward, slot=slot).exists():
            monitoring.duty_roster_set(
                staff=nurse, unit=ward, slot=slot, on_call=people[on_call], deputy=people[deputy]
            )
    if not EscalationFinalStep.objects.filter(ward=ward).exists():
        monitoring.escalation_final_set(
            staff=nurse, unit=ward, physician=None, instruction=FINAL_INSTRUCTION
        )
