"""What every inbox-like list page does the same way: read one status filter from the
query string (an unknown or missing one is the default), show one page of that filter's
rows (a bad page number is the first page, one beyond the end the last), count each
filter for its tab, and log the patients of the shown page only (web/actions.log_list).

Each app passes its own filters (key, Swedish label, empty-list text) and a function
from a filter's key to its rows in a stable order; the app's selectors stay the reads."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from .actions import log_list

PAGE_SIZE = 25


@dataclass(frozen=True)
class ListFilter:
    """One tab of a list: the value of its query parameter, its label, and what the list
    says when the filter shows nothing ("" where the template words it itself)."""

    key: str
    label: str
    empty_text: str = ""


@dataclass(frozen=True)
class FilteredPage:
    """One page of a list under its chosen filter. `tabs`: (key, label, count) for each
    filter in order, the count None where the view counts none; `patients`: the patients
    of the shown page's rows (what was logged, or what the view logs with its other
    lists)."""

    filter: ListFilter
    page: Page
    tabs: list[tuple[str, str, int | None]]
    patients: list

    @property
    def status(self) -> str:
        return self.filter.key

    @property
    def empty(self) -> str:
        return self.filter.empty_text


def chosen_filter(
    filters: Sequence[ListFilter], value: str | None, default: str | None = None
) -> ListFilter:
    """The filter a parameter names; an unknown or missing one is `default` (its key),
    or the first filter."""
    by_key = {f.key: f for f in filters}
    return by_key.get(value or "") or (by_key[default] if default else filters[0])


def page_of(request, rows, *, param: str = "page", per_page: int = PAGE_SIZE) -> Page:
    """The page of `rows` the parameter asks for (a bad number is the first page, one
    beyond the end the last), read once: the template and the log share the rows."""
    page = Paginator(rows, per_page).get_page(request.GET.get(param))
    page.object_list = list(page.object_list)
    return page


def filtered_page(
    request,
    filters: Sequence[ListFilter],
    rows: Callable[[str], QuerySet],
    *,
    patients_of: Callable[[object], object | None],
    log_detail: str | None,
    counts: Mapping[str, int] | None = None,
    default: str | None = None,
    param: str = "status",
    page_param: str = "page",
    per_page: int = PAGE_SIZE,
) -> FilteredPage:
    """One page of `rows(key)` under the filter `param` names, with a tab per filter.

    `patients_of(row)`: the row's patient (None: the row shows none). `log_detail`: the
    access log's detail for the shown page's patients (an empty page still logs the list
    itself); None only where the view logs `patients` together with its other lists in
    one entry set. `counts`: each filter's count by key (a missing key counts None)."""
    chosen = chosen_filter(filters, request.GET.get(param), default)
    page = page_of(request, rows(chosen.key), param=page_param, per_page=per_page)
    patients = [p for row in page.object_list if (p := patients_of(row)) is not None]
    if log_detail is not None:
        log_list(request, log_detail, patients)
    tabs = [(f.key, f.label, None if counts is None else counts.get(f.key)) for f in filters]
    return FilteredPage(filter=chosen, page=page, tabs=tabs, patients=patients)
