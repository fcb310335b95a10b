"""The list helper every inbox uses (hemma/web/listing.py): the status filter a parameter
names (an unknown one is the default), one page (a bad number the first, one beyond the
end the last), a tab per filter with its count, and the access log of the shown page's
patients only, in statements that do not grow with the page asked for."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from hemma.audit.models import AccessLogEntry
from hemma.clinical.identifiers import luhn_check_digit
from hemma.patients.models import Patient
from hemma.web.listing import ListFilter, chosen_filter, filtered_page
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db

FILTERS = (
    ListFilter("all", "Alla", "Inga patienter."),
    ListFilter("even", "Jämna", "Inga jämna."),
    ListFilter("odd", "Udda", "Inga udda."),
)


def patients(count: int) -> list[Patient]:
    """`count` made-up patients (born 1950), the i-th named P<i> (in the list's order)."""
    made = []
    for i in range(count):
        nine = f"5001{1 + i % 28:02d}{100 + i:03d}"
        made.append(make_patient(f"19{nine[:6]}-{nine[6:]}{luhn_check_digit(nine)}", f"P{i:03d}"))
    return made


def rows(key: str):
    """The patients under a filter, in a stable order; "even"/"odd" by their number i."""
    everyone = Patient.objects.order_by("first_name", "pk")
    if key == "all":
        return everyone
    return everyone.filter(pk__in=[p.pk for i, p in enumerate(everyone) if i % 2 == (key == "odd")])


def listed(staff, unit, per_page=5, counts=None, log_detail="test list", **params):
    request = RequestFactory().get("/list/", params)
    request.hemma = SimpleNamespace(staff=staff, unit=unit)
    return filtered_page(
        request,
        FILTERS,
        rows,
        counts=counts,
        patients_of=lambda patient: patient,
        log_detail=log_detail,
        per_page=per_page,
    )


def logged(detail="test list") -> list[int]:
    return sorted(
        AccessLogEntry.objects.filter(
            action=AccessLogEntry.Action.LIST_PATIENTS, detail=detail, patient__isnull=False
        ).values_list("patient_id", flat=True)
    )


@pytest.mark.parametrize("value", ["", "xyz", "ALL", None])
def test_an_unknown_or_missing_filter_is_the_default(value):
    assert chosen_filter(FILTERS, value) == FILTERS[0]
    assert chosen_filter(FILTERS, value, default="odd") == FILTERS[2]
    assert chosen_filter(FILTERS, "even", default="odd") == FILTERS[1]


def test_a_bad_status_parameter_falls_back_to_the_default_filter(ward, ward_nurse):
    made = patients(4)
    for status in ("xyz", "", "Even"):
        result = listed(ward_nurse, ward, status=status)
        assert result.status == "all" and result.empty == "Inga patienter."
        assert [p.pk for p in result.page] == [p.pk for p in made]
    chosen = listed(ward_nurse, ward, status="odd")
    assert chosen.filter == FILTERS[2] and chosen.empty == "Inga udda."
    assert [p.pk for p in chosen.page] == [made[1].pk, made[3].pk]


def test_a_page_beyond_the_end_is_the_last_a_bad_one_the_first(ward, ward_nurse):
    made = patients(12)
    for page, number in (("99", 3), ("-2", 3), ("abc", 1), ("", 1), ("2", 2)):
        result = listed(ward_nurse, ward, page=page)
        assert result.page.number == number, page
        first = (number - 1) * 5
        assert [p.pk for p in result.page] == [p.pk for p in made[first : first + 5]], page


def test_each_filter_has_a_tab_with_its_count(ward, ward_nurse):
    patients(1)
    counted = listed(ward_nurse, ward, counts={"all": 7, "even": 4})
    assert counted.tabs == [("all", "Alla", 7), ("even", "Jämna", 4), ("odd", "Udda", None)]
    uncounted = listed(ward_nurse, ward)
    assert [count for _key, _label, count in uncounted.tabs] == [None, None, None]


def test_only_the_shown_pages_patients_are_logged(ward, ward_nurse, settings):
    settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0
    made = patients(13)
    result = listed(ward_nurse, ward, page="2")
    assert result.patients == made[5:10]
    assert logged() == sorted(p.pk for p in made[5:10])
    listed(ward_nurse, ward, status="odd", page="3")  # beyond the end: the 6th odd one
    assert logged() == sorted([p.pk for p in made[5:10]] + [made[11].pk])


def test_an_empty_page_still_logs_the_list_and_the_caller_may_log_itself(ward, ward_nurse):
    listed(ward_nurse, ward)
    entries = AccessLogEntry.objects.filter(detail="test list")
    assert entries.count() == 1 and entries.get().patient_id is None
    made = patients(3)
    result = listed(ward_nurse, ward, log_detail=None)
    assert result.patients == made and entries.count() == 1  # nothing more logged


def test_the_statement_count_does_not_grow_with_the_page(ward, ward_nurse, settings):
    settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0  # every display writes its entries
    patients(16)  # pages of 5, 5, 5 and 1

    def statements(page: str, rows: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            result = listed(ward_nurse, ward, page=page)
            assert len(result.page) == rows
        with CaptureQueriesContext(connection) as again:
            assert len(list(result.page.object_list)) == rows  # the rows are read once
        assert len(again) == 0
        return len(captured)

    assert statements("1", 5) == statements("3", 5) == statements("4", 1)


def _filter_keys_pairs():
    """Each inbox's tabs (the view's ListFilters) and the keys its selectors query by."""
    from datetime import date

    from hemma.carerequests import selectors as carerequests
    from hemma.carerequests import views as carerequest_views
    from hemma.coordination import selectors as coordination
    from hemma.coordination import task_list
    from hemma.coordination.views import cases
    from hemma.messaging import selectors as messaging
    from hemma.messaging import views as messaging_views

    return {
        "care requests": (carerequest_views.INBOX_FILTERS, list(carerequests.INBOX_FILTERS)),
        "coordination messages": (cases.INBOX_FILTERS, list(coordination.inbox_filters())),
        "coordination tasks": (task_list.TASK_FILTERS, list(task_list.task_filters(date.today()))),
        "patient messages": (messaging_views.INBOX_FILTERS, list(messaging._inbox_filters())),
    }


@pytest.mark.parametrize("inbox", sorted(_filter_keys_pairs()))
def test_each_inbox_tab_is_a_filter_its_selectors_know(inbox):
    """A tab whose key the selector lacks would be a KeyError (a 500) when chosen; a
    selector's filter without a tab could never be shown. Both lists, in the same order."""
    tabs, queried = _filter_keys_pairs()[inbox]
    assert [tab.key for tab in tabs] == queried


def test_the_selectors_named_filters_are_the_ones_they_query():
    """messaging and coordination also name their filters in a tuple (the counts of a unit
    without an inbox, the order of the tabs): the same keys as the queries."""
    from hemma.coordination import selectors as coordination
    from hemma.messaging import selectors as messaging

    assert list(messaging.INBOX_FILTERS) == list(messaging._inbox_filters())
    assert list(coordination.INBOX_FILTERS) == list(coordination.inbox_filters())
