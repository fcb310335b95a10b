"""How the apps above the flow take part in it without the flow importing them.

The flow (episodes) sits below careplans, carerequests, monitoring, coordination and
visits: they import the flow, never the other way round. Where a step of the flow depends
on one of them – preparing needs a care request, discharge needs the agreement's criteria
met, going home gives the ward its evening call – the app registers a plain function here,
from its ``AppConfig.ready()`` (like Django's own signal and admin registries). The flow
calls whatever is registered, in registration order (the order of INSTALLED_APPS, so it
is the same in every process).

Five kinds of registry:

- transition guards: asked before a transition; a refusal is a Swedish message;
- transition effects: run after a transition, in its transaction;
- episode panels and worklist panels: context for the episode page and the worklist;
- round panels: what an app adds to each patient's row of the ward's round (visit
  notes, doses, labs), for many episodes at once in a fixed number of queries – so the
  round (monitoring) shows them without importing the apps that hold them;
- episode actions: a form on the episode page that posts to the flow's action URL.

(The patient page's panels are in hemma/patients/hooks.py: that app is below the flow.)

A registry is filled once per process; registering the same function twice is a no-op.
A transition into a state in ``GUARDED_STATES`` without a registered guard is refused
with ``ImproperlyConfigured``, so a missing registration fails loudly instead of letting
the transition through (tests/episodes/test_hooks.py checks the registrations too).
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django import forms
from django.core.exceptions import ImproperlyConfigured

from hemma.accounts.models import Staff, Unit
from hemma.clinical import episode_states as states
from hemma.patients.models import Patient

from .models import Episode

# Transitions whose precondition lives in an app above the flow: at least one guard must
# be registered for each (agreement and criteria: careplans; care requests: carerequests).
GUARDED_STATES = frozenset({states.AGREED, states.PREPARING, states.DISCHARGED})


@dataclass(frozen=True)
class TransitionEvent:
    """A transition that has just been recorded (the episode is saved in its new state)."""

    episode: Episode
    from_state: str
    to_state: str
    staff: Staff
    unit: Unit
    reason: str
    at: datetime
    # The safety place the patient was admitted to (a transition to readmitted).
    bed: str = ""


@dataclass(frozen=True)
class Panel:
    """What a worklist panel adds: template context and the patients it shows (the list's
    access-log entry names each of them)."""

    context: Mapping[str, object]
    shown: tuple[Patient, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class EpisodeAction:
    """A form on the episode page posted to ``episodes:act`` under ``name`` (an action of
    ``hemma.patients.policy.EPISODE_ACTIONS``; the view asks the policy first).
    ``perform(request, episode, cleaned_data)`` calls exactly one service."""

    name: str
    form: type[forms.Form]
    perform: Callable[[object, Episode, dict], object]


TransitionGuard = Callable[[Episode, str], str | None]
TransitionEffect = Callable[[TransitionEvent], None]
EpisodePanel = Callable[[Staff, Unit, Episode], Mapping[str, object]]
WorklistPanel = Callable[[Staff, Unit, Mapping[str, list[Episode]]], Panel | None]
RoundPanel = Callable[[Staff, Unit, Sequence[Episode], date], Mapping[int, Mapping[str, object]]]

_guards: dict[str, list[TransitionGuard]] = {state: [] for state in states.STATES}
_effects: dict[str, list[TransitionEffect]] = {state: [] for state in states.STATES}
_episode_panels: list[EpisodePanel] = []
_worklist_panels: list[WorklistPanel] = []
_round_panels: list[RoundPanel] = []
_actions: dict[str, EpisodeAction] = {}


def _add(registry: list, function) -> None:
    if function not in registry:
        registry.append(function)


# --- transition guards ------------------------------------------------------------------


def register_transition_guard(to_state: str, guard: TransitionGuard) -> None:
    """``guard(episode, to_state)`` is asked, inside the transition's transaction and
    with the episode row locked, before the episode moves to ``to_state``; it returns
    None to allow it or a Swedish message saying what is missing, which the flow raises
    as ``NotAllowed``. A guard only reads."""
    _add(_guards[to_state], guard)


def transition_guards(to_state: str) -> tuple[TransitionGuard, ...]:
    return tuple(_guards[to_state])


def refusal(episode: Episode, to_state: str) -> str | None:
    """The first registered guard's refusal of the transition, or None."""
    guards = _guards[to_state]
    if not guards and to_state in GUARDED_STATES:
        raise ImproperlyConfigured(
            f"No transition guard is registered for {to_state!r} (see hemma/episodes/hooks.py)."
        )
    for guard in guards:
        message = guard(episode, to_state)
        if message:
            return message
    return None


# --- transition effects -----------------------------------------------------------------


def register_transition_effect(to_state: str, effect: TransitionEffect) -> None:
    """``effect(event)`` runs after every transition to ``to_state``, in the transition's
    transaction (an exception rolls the transition back). It may change its own app's
    data, e.g. create a task; it does not change the episode."""
    _add(_effects[to_state], effect)


def transition_effects(to_state: str) -> tuple[TransitionEffect, ...]:
    return tuple(_effects[to_state])


def after_transition(event: TransitionEvent) -> None:
    for effect in _effects[event.to_state]:
        effect(event)


# --- page panels ------------------------------------------------------------------------


def register_episode_panel(panel: EpisodePanel) -> None:
    """``panel(staff, unit, episode)`` returns context for the episode page (the episode's
    agreement, care requests, tasks …). The caller has already checked the policy and
    logged the read (episodes.selectors.get_episode_for_user, health record)."""
    _add(_episode_panels, panel)


def register_worklist_panel(panel: WorklistPanel) -> None:
    """``panel(staff, unit, groups)`` returns a Panel for the unit's worklist, or None when
    it has nothing for this kind of unit. ``groups`` maps each state to the open episodes
    the unit may list; a panel listing other patients filters them with the policy
    (patients.policy.patients_visible_to) and returns them as ``shown``."""
    _add(_worklist_panels, panel)


def _merge(context: dict, extra: Mapping[str, object], panel) -> None:
    clash = context.keys() & extra.keys()
    if clash:
        raise ImproperlyConfigured(f"{panel!r} sets {sorted(clash)}, already set by another.")
    context.update(extra)


def episode_panels_context(
    staff: Staff, unit: Unit, episode: Episode, context: dict | None = None
) -> dict:
    """`context` (the page's own) with every panel's added; a name set twice is an error."""
    context = {} if context is None else context
    for panel in _episode_panels:
        _merge(context, panel(staff, unit, episode), panel)
    return context


def worklist_panels(
    staff: Staff, unit: Unit, groups: Mapping[str, list[Episode]], context: dict | None = None
) -> tuple[dict, list[Patient]]:
    """`context` (the page's own) with every panel's added, and the patients the panels
    show; a name set twice is an error."""
    context = {} if context is None else context
    shown: list[Patient] = []
    for panel in _worklist_panels:
        result = panel(staff, unit, groups)
        if result is not None:
            _merge(context, result.context, panel)
            shown += result.shown
    return context, shown


def register_round_panel(panel: RoundPanel) -> None:
    """``panel(staff, unit, episodes, day)`` returns, per episode id, context for that
    patient's row of the round (e.g. ``{"visit_notes": [...]}``), for all the episodes in
    a fixed number of queries. The round has already scoped the episodes by the policy and
    logs the patients it shows; a panel still hides what a block (spärr) hides."""
    _add(_round_panels, panel)


def round_panels_context(
    staff: Staff, unit: Unit, episodes: Sequence[Episode], day: date
) -> dict[int, dict]:
    """Per episode id, every round panel's context merged; a name set twice is an error.
    The round does ``row.update(extra[row["episode"].pk])`` for each row."""
    extra: dict[int, dict] = {episode.pk: {} for episode in episodes}
    for panel in _round_panels:
        for episode_id, context in panel(staff, unit, episodes, day).items():
            if episode_id in extra:
                _merge(extra[episode_id], context, panel)
    return extra


def round_panel_functions() -> tuple[RoundPanel, ...]:
    return tuple(_round_panels)


def episode_panels() -> tuple[EpisodePanel, ...]:
    return tuple(_episode_panels)


def worklist_panel_functions() -> tuple[WorklistPanel, ...]:
    return tuple(_worklist_panels)


# --- episode actions --------------------------------------------------------------------


def register_episode_action(action: EpisodeAction) -> None:
    """An app's form on the episode page, posted to the flow's action URL. A name is taken
    once: registering another action under it is an error."""
    existing = _actions.get(action.name)
    if existing is not None and existing != action:
        raise ImproperlyConfigured(f"Episode action {action.name!r} is already registered.")
    _actions[action.name] = action


def episode_action(name: str) -> EpisodeAction | None:
    return _actions.get(name)


def episode_actions() -> Iterable[str]:
    return tuple(_actions)
