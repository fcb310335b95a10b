"""The hospital-at-home episode state machine, in pure Python (no Django).

candidate → assessed → agreed → preparing → at_home → discharged, with
readmitted (direct admission to the safety bed; may return at_home) and
cancelled (with a reason) where they make sense. Care at home also ends when the patient
dies at home (died) or is transferred to another ward or hospital (transferred); the
patient's own wish to stop is a discharge with that reason. services.py enforces it.
"""

CANDIDATE = "candidate"
ASSESSED = "assessed"
AGREED = "agreed"
PREPARING = "preparing"
AT_HOME = "at_home"
READMITTED = "readmitted"
DISCHARGED = "discharged"
CANCELLED = "cancelled"
DIED = "died"
TRANSFERRED = "transferred"

STATES = (
    CANDIDATE,
    ASSESSED,
    AGREED,
    PREPARING,
    AT_HOME,
    READMITTED,
    DISCHARGED,
    CANCELLED,
    DIED,
    TRANSFERRED,
)
FINAL_STATES = frozenset({DISCHARGED, CANCELLED, DIED, TRANSFERRED})

TRANSITIONS: dict[str, frozenset[str]] = {
    CANDIDATE: frozenset({ASSESSED, CANCELLED}),
    ASSESSED: frozenset({AGREED, CANCELLED}),
    AGREED: frozenset({PREPARING, CANCELLED}),
    PREPARING: frozenset({AT_HOME, CANCELLED}),
    AT_HOME: frozenset({READMITTED, DISCHARGED, DIED, TRANSFERRED}),
    # Back home after a stay in the safety bed, or discharged from the ward bed.
    READMITTED: frozenset({AT_HOME, DISCHARGED, CANCELLED, DIED, TRANSFERRED}),
    DISCHARGED: frozenset(),
    CANCELLED: frozenset(),
    DIED: frozenset(),
    TRANSFERRED: frozenset(),
}


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def allowed_targets(current: str) -> frozenset[str]:
    return TRANSITIONS.get(current, frozenset())


# What each state offers, by the policy's action names (hemma.patients.policy.EPISODE_ACTIONS).
# Who may do it is the policy's question; the episode page shows an action when both agree:
# offered = allowed_actions(...) & ACTIONS_BY_STATE[state]. Tasks are not part of the flow:
# a unit completes its own in any state.
ACTIONS_BY_STATE: dict[str, frozenset[str]] = {
    CANDIDATE: frozenset(
        {"assess", "decide", "set_visiting", "notice", "notice_ready", "cancel", "task_done"}
    ),
    ASSESSED: frozenset(
        {
            "consent",
            "agreed",
            "edit_agreement",
            "set_visiting",
            "notice",
            "notice_ready",
            "cancel",
            "task_done",
        }
    ),
    AGREED: frozenset(
        {
            "prepare",
            "set_visiting",
            "checklist",
            "reserve_bed",
            "edit_agreement",
            "send_care_request",
            "notice",
            "notice_ready",
            "cancel",
            "task_done",
        }
    ),
    PREPARING: frozenset(
        {
            "checklist",
            "reserve_bed",
            "set_visiting",
            "send_home",
            "edit_agreement",
            "send_care_request",
            "notice",
            "notice_ready",
            "cancel",
            "task_done",
        }
    ),
    AT_HOME: frozenset(
        {
            "readmit",
            "discharge",
            "end_on_request",
            "record_death",
            "transfer",
            "mark_criterion",
            "edit_agreement",
            "send_care_request",
            "notice",
            "notice_ready",
            "task_done",
        }
    ),
    READMITTED: frozenset(
        {
            "return_home",
            "discharge",
            "record_death",
            "transfer",
            "mark_criterion",
            "edit_agreement",
            "send_care_request",
            "notice",
            "notice_ready",
            "cancel",
            "task_done",
        }
    ),
    # After discharge a new care request can continue care at home (e.g. wound care).
    DISCHARGED: frozenset({"send_care_request", "task_done"}),
    CANCELLED: frozenset({"task_done"}),
    DIED: frozenset({"task_done"}),
    TRANSFERRED: frozenset({"task_done"}),
}

# Parts of the episode page by state (what there is to read, not who may act).
AT_HOME_STATES = frozenset({AT_HOME, READMITTED})  # cared for at home or in the safety bed
MONITORED_STATES = frozenset({PREPARING, AT_HOME, READMITTED, DISCHARGED})
WITH_LOGISTICS = frozenset(STATES) - {CANDIDATE, CANCELLED}


def actions_offered(state: str, allowed: frozenset[str]) -> frozenset[str]:
    """The actions the page shows: the state offers them and the policy allows them."""
    return allowed & ACTIONS_BY_STATE.get(state, frozenset())
