"""The hospital-at-home episode state machine, in pure Python (no Django).

candidate → assessed → agreed → preparing → at_home → discharged, with
readmitted (direct admission to the safety bed; may return at_home) and
cancelled (with a reason) where they make sense. services.py enforces it.
"""

CANDIDATE = "candidate"
ASSESSED = "assessed"
AGREED = "agreed"
PREPARING = "preparing"
AT_HOME = "at_home"
READMITTED = "readmitted"
DISCHARGED = "discharged"
CANCELLED = "cancelled"

STATES = (CANDIDATE, ASSESSED, AGREED, PREPARING, AT_HOME, READMITTED, DISCHARGED, CANCELLED)
FINAL_STATES = frozenset({DISCHARGED, CANCELLED})

TRANSITIONS: dict[str, frozenset[str]] = {
    CANDIDATE: frozenset({ASSESSED, CANCELLED}),
    ASSESSED: frozenset({AGREED, CANCELLED}),
    AGREED: frozenset({PREPARING, CANCELLED}),
    PREPARING: frozenset({AT_HOME, CANCELLED}),
    AT_HOME: frozenset({READMITTED, DISCHARGED}),
    # Back home after a stay in the safety bed, or discharged from the ward bed.
    READMITTED: frozenset({AT_HOME, DISCHARGED, CANCELLED}),
    DISCHARGED: frozenset(),
    CANCELLED: frozenset(),
}


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def allowed_targets(current: str) -> frozenset[str]:
    return TRANSITIONS.get(current, frozenset())
