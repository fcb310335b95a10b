"""Läkare till läkare: maintained by each unit's administrator or manager, searchable,
usage counted (list opens, page views, recorded contacts and answer times)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hemma.coordination import directory
from hemma.coordination.models import DirectoryContact, DirectoryUse
from hemma.errors import HemmaError, NotAllowed
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(ward):
    admin = make_staff("wardadmin", "administrator", ward)
    return directory.entry_save(
        staff=admin,
        unit=ward,
        entry=None,
        title="Infektionsjouren",
        direct_phone="023-49 00 99",
        on_call="Bakjour dygnet runt",
    )


def test_only_the_units_administrator_or_manager_maintains(ward, ward_nurse, entry):
    with pytest.raises(NotAllowed):
        directory.entry_save(staff=ward_nurse, unit=ward, entry=entry, title="x", direct_phone="1")
    with pytest.raises(HemmaError):
        directory.entry_save(
            staff=entry.updated_by, unit=ward, entry=entry, title="", direct_phone=""
        )


def test_search_finds_by_unit_title_or_number(entry):
    assert list(directory.search("infektion")) == [entry]
    assert list(directory.search("49 00 99")) == [entry]
    assert list(directory.search("ortopedi")) == []


def test_usage_is_counted_per_entry_and_period(entry, as_home_nurse, home_nurse):
    as_home_nurse.get(reverse("coordination:directory"))
    as_home_nurse.get(reverse("coordination:directory") + "?q=infektion")
    as_home_nurse.get(reverse("coordination:directory_entry", args=[entry.pk]))
    as_home_nurse.post(
        reverse("coordination:directory_entry", args=[entry.pk]),
        {
            # Today, whatever the hour (an hour ago is yesterday just after midnight).
            "contacted_at": timezone.localtime().strftime("%Y-%m-%dT00:00"),
            "answer_minutes": "4",
        },
    )
    directory.contact_record(
        staff=home_nurse,
        unit=home_nurse.memberships.get().unit,
        entry=entry,
        contacted_at=timezone.now(),
        answer_minutes=10,
    )
    today = timezone.localdate()
    opens, views, rows = directory.statistics(today, today)
    assert (opens, views) == (2, 1)
    assert rows[0].contacts == 2 and rows[0].median_answer_minutes == 7
    assert DirectoryUse.objects.count() == 3 and DirectoryContact.objects.count() == 2
    page = as_home_nurse.get(reverse("coordination:directory_stats")).content.decode()
    assert "öppningar av listan" in page
    earlier = directory.statistics(today - timedelta(days=30), today - timedelta(days=1))
    assert earlier[:2] == (0, 0)


def test_bad_contacts_and_periods_are_refused(entry, as_home_nurse):
    response = as_home_nurse.post(
        reverse("coordination:directory_entry", args=[entry.pk]),
        {"contacted_at": "2099-01-01T10:00", "answer_minutes": "4"},
    )
    assert "framtiden" in response.content.decode()
    response = as_home_nurse.get(
        reverse("coordination:directory_stats") + "?first=2026-11-20&last=2026-11-01"
    )
    assert response.status_code == 200 and "efter till-datumet" in response.content.decode()
