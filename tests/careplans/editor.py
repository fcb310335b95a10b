"""What the agreement editor's page posts: the form's fields and the rows of activities and
contacts as formset data (prefix-N-field, with the management form)."""

from hemma.careplans.forms import AgreementContentForm
from hemma.careplans.rows import ActivityRowForm, ContactRowForm


def rows_data(prefix: str, rows: list[dict], initial: int | None = None) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(len(rows) if initial is None else initial),
    }
    for number, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{number}-{key}"] = value
    return data


def editor_data(content: dict, *, activities=None, contacts=None, **fields) -> dict:
    """The page as shown for `content`, with rows or fields changed. Rows: dicts of the
    row fields (what, who, how_often, times; name, phone, hours)."""
    if activities is None:
        activities = [ActivityRowForm.initial_for(row) for row in content["activities"]]
    if contacts is None:
        contacts = [ContactRowForm.initial_for(row) for row in content["contacts"]]
    return (
        AgreementContentForm.initial_from(content)
        | rows_data("activities", activities, len(content["activities"]))
        | rows_data("contacts", contacts, len(content["contacts"]))
        | fields
    )
