"""docs/architecture.md prints the policy's table of roles × actions: it must be the table
the code enforces, so the docs cannot drift from the policy."""

from pathlib import Path

from hemma.patients.policy import EPISODE_ACTIONS, Role

DOCS = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
ROLES = [Role.OWNER, Role.VISITING, Role.PRIMARY_CARE, Role.HOME_CARE, Role.AMBULANCE, Role.READER]


def actions_table() -> str:
    lines = [
        "| action | " + " | ".join(role.value for role in ROLES) + " |",
        "| --- |" + " --- |" * len(ROLES),
    ]
    for action, rule in EPISODE_ACTIONS.items():
        cells = [
            ("physician" if rule.physician else "yes") if role in rule.roles else "–"
            for role in ROLES
        ]
        lines.append(f"| `{action}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def test_the_docs_print_the_policy_table():
    table = actions_table()
    assert table in DOCS.read_text(encoding="utf-8"), (
        "docs/architecture.md is out of date; paste this table:\n" + table
    )


def test_home_care_and_readers_may_do_nothing_on_the_health_record():
    for action, rule in EPISODE_ACTIONS.items():
        assert Role.HOME_CARE not in rule.roles, action
        assert Role.READER not in rule.roles, action


def test_clinical_decisions_are_the_owning_wards():
    for action in ("decide", "discharge", "readmit", "cancel", "send_home", "edit_agreement"):
        assert EPISODE_ACTIONS[action].roles == {Role.OWNER}, action
    for action in ("decide", "discharge"):
        assert EPISODE_ACTIONS[action].physician, action
