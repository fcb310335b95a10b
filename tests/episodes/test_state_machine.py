"""The episode state machine: every allowed transition, every illegal one refused."""

import itertools

import pytest

from hemma.clinical import episode_states as states

ALLOWED = {
    ("candidate", "assessed"),
    ("candidate", "cancelled"),
    ("assessed", "agreed"),
    ("assessed", "cancelled"),
    ("agreed", "preparing"),
    ("agreed", "cancelled"),
    ("preparing", "at_home"),
    ("preparing", "cancelled"),
    ("at_home", "readmitted"),
    ("at_home", "discharged"),
    ("readmitted", "at_home"),
    ("readmitted", "discharged"),
    ("readmitted", "cancelled"),
    # Care at home ends otherwise: a death at home, a transfer to another ward or hospital.
    ("at_home", "died"),
    ("at_home", "transferred"),
    ("readmitted", "died"),
    ("readmitted", "transferred"),
}


@pytest.mark.parametrize(("current", "target"), sorted(itertools.product(states.STATES, repeat=2)))
def test_exactly_the_designed_transitions_are_allowed(current, target):
    assert states.can_transition(current, target) == ((current, target) in ALLOWED)


def test_final_states_have_no_way_out():
    for final in states.FINAL_STATES:
        assert states.allowed_targets(final) == frozenset()


def test_an_unknown_state_allows_nothing():
    assert not states.can_transition("nonsense", "at_home")
