"""The access log: append-only, reviewable, and the patient's extract."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from hemma.audit.models import AccessLogEntry
from hemma.errors import AppendOnlyError
from hemma.patients.models import EmergencyAccess

REVIEW = reverse("audit:review")
EXTRACT = reverse("audit:extract")


def detail(patient):
    return reverse("patients:detail", kwargs={"patient_id": patient.pk})


@pytest.fixture
def entry(as_ward_nurse, kim):
    as_ward_nurse.get(detail(kim))
    return AccessLogEntry.objects.get(patient=kim)


@pytest.mark.django_db
class TestAppendOnly:
    def test_an_entry_cannot_be_saved_again(self, entry):
        entry.detail = "rewritten"
        with pytest.raises(AppendOnlyError):
            entry.save()

    def test_an_entry_cannot_be_deleted(self, entry):
        with pytest.raises(AppendOnlyError):
            entry.delete()

    def test_bulk_update_and_delete_are_refused(self, entry):
        with pytest.raises(AppendOnlyError):
            AccessLogEntry.objects.update(detail="x")
        with pytest.raises(AppendOnlyError):
            AccessLogEntry.objects.all().delete()
        assert AccessLogEntry.objects.get().detail == ""

    def test_the_database_refuses_an_update_even_in_raw_sql(self, entry):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE audit_accesslogentry SET detail = 'x'")
        assert AccessLogEntry.objects.get().detail == ""

    def test_the_database_refuses_a_delete_even_in_raw_sql(self, entry):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_accesslogentry")
        assert AccessLogEntry.objects.count() == 1

    def test_a_patient_with_log_entries_cannot_be_deleted(self, entry, kim):
        from django.db.models import ProtectedError

        with pytest.raises(ProtectedError):
            kim.delete()


@pytest.mark.django_db
class TestReview:
    def test_only_log_reviewers_may_review(self, as_ward_nurse):
        assert as_ward_nurse.get(REVIEW).status_code == 403
        assert as_ward_nurse.post(EXTRACT, {"personal_number": "194405149057"}).status_code == 403

    def test_the_outsider_may_not_review(self, as_outsider):
        assert as_outsider.get(REVIEW).status_code == 403

    def test_a_reviewer_sees_the_region_s_entries_but_not_the_municipality_s(
        self, client, ward_nurse, home_nurse, reviewer, kim, lisa
    ):
        client.force_login(home_nurse.user)
        client.get(detail(lisa))
        client.force_login(ward_nurse.user)
        client.get(detail(kim))
        client.force_login(reviewer.user)
        page = client.get(REVIEW).content.decode()
        assert "Wardnurse Test" in page
        assert "Homenurse Test" not in page

    def test_filters_by_patient_staff_unit_date_and_emergency(
        self, client, ward_nurse, physician, reviewer, ward, kim, lisa
    ):
        client.force_login(ward_nurse.user)
        client.get(detail(kim))
        client.force_login(physician.user)
        client.get(detail(lisa))
        client.force_login(reviewer.user)

        def rows(**params):
            """The care reads on the page (the review's own reads are logged too)."""
            page = client.get(REVIEW, params).context["page"]
            return [
                e.patient_display
                for e in page.object_list
                if e.patient_id and e.purpose != AccessLogEntry.Purpose.LOG_REVIEW
            ]

        assert rows(personal_number="19440514-9057") == ["Kim Testsson 19440514-9057"]
        assert rows(staff_text="physician") == ["Lisa Testsson 19380508-9145"]
        assert len(rows(unit=ward.pk)) == 2
        today = timezone.localdate().isoformat()
        assert len(rows(date_from=today, date_to=today)) == 2
        yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
        assert rows(date_from=yesterday, date_to=yesterday) == []
        assert rows(emergency_only="on") == []

    def test_bad_filter_input_is_a_form_error_not_a_500(self, as_reviewer):
        response = as_reviewer.get(
            REVIEW, {"personal_number": "12345", "date_from": "2026-13-40", "unit": "abc"}
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert "Ogiltigt format" in body
        assert response.context["page"] is None

    def test_a_reversed_date_range_is_explained(self, as_reviewer):
        response = as_reviewer.get(REVIEW, {"date_from": "2026-02-01", "date_to": "2026-01-01"})
        assert "Från-datum måste vara före" in response.content.decode()

    def test_the_list_is_paginated_with_a_pinned_query_count(
        self, client, ward_nurse, reviewer, kim, django_assert_max_num_queries
    ):
        client.force_login(ward_nurse.user)
        for _ in range(60):
            client.get(detail(kim))
        client.force_login(reviewer.user)
        client.get(REVIEW)  # warm caches
        # 15: reading the review is logged too – the patients on the page and the repeat
        # window's check (the reload within the window writes nothing).
        with django_assert_max_num_queries(15):
            response = client.get(REVIEW)
        assert len(response.context["page"].object_list) == 50
        assert response.context["page"].paginator.count >= 60


@pytest.mark.django_db
class TestEmergencyReview:
    def _emergency(self, client, staff, kim):
        client.force_login(staff.user)
        client.post(
            reverse("patients:emergency_access"),
            {"personal_number": "194405149057", "reason": "Akut försämring på natten"},
        )
        return EmergencyAccess.objects.get()

    def test_an_emergency_access_shows_up_for_review_and_can_be_marked_reviewed(
        self, client, physician, reviewer, primary_care, kim
    ):
        from tests.conftest import make_staff

        vc_nurse = make_staff("vcnurse", "nurse", primary_care)
        access = self._emergency(client, vc_nurse, kim)
        client.force_login(reviewer.user)
        page = client.get(REVIEW).content.decode()
        assert "Akut försämring på natten" in page
        url = reverse("audit:emergency_review", kwargs={"access_id": access.pk})
        assert client.post(url, {"note": "Befogat"}).status_code == 302
        access.refresh_from_db()
        assert (access.reviewed_by, access.review_note) == (reviewer, "Befogat")
        assert "Inga ogranskade nödåtkomster" in client.get(REVIEW).content.decode()

    def test_emergency_only_filter_finds_it(self, client, reviewer, primary_care, kim):
        from tests.conftest import make_staff

        self._emergency(client, make_staff("vcnurse", "nurse", primary_care), kim)
        client.force_login(reviewer.user)
        page = client.get(REVIEW, {"emergency_only": "on"}).context["page"]
        assert [e.action for e in page.object_list] == ["emergency_access"]

    def test_a_reviewer_of_another_organisation_cannot_mark_it(
        self, client, home_health, primary_care, kim
    ):
        from tests.conftest import make_staff

        access = self._emergency(client, make_staff("vcnurse", "nurse", primary_care), kim)
        other = make_staff("kommunadmin", "administrator", home_health, role="log_reviewer")
        client.force_login(other.user)
        url = reverse("audit:emergency_review", kwargs={"access_id": access.pk})
        response = client.post(url, {"note": "x"}, follow=True)
        assert "hör till en annan vårdgivare" in response.content.decode()
        access.refresh_from_db()
        assert access.reviewed_at is None

    def test_nobody_reviews_their_own_emergency_access(self, client, reviewer, kim):
        access = self._emergency(client, reviewer, kim)
        url = reverse("audit:emergency_review", kwargs={"access_id": access.pk})
        response = client.post(url, {"note": "ok"}, follow=True)
        assert "din egen nödåtkomst" in response.content.decode()


@pytest.mark.django_db
class TestPatientExtract:
    def test_it_lists_which_units_accessed_the_patient_and_logs_itself(
        self, client, ward_nurse, home_nurse, reviewer, ward, kim, lisa
    ):
        client.force_login(ward_nurse.user)
        client.get(detail(lisa))
        client.force_login(home_nurse.user)
        client.get(detail(lisa))
        client.get(detail(kim))  # denied: not part of the extract
        client.force_login(reviewer.user)
        response = client.post(EXTRACT, {"personal_number": "19380508-9145"})
        extract = response.context["extract"]
        assert extract.patient == lisa
        units = {row.unit for row in extract.rows}
        assert units == {"Infektionsavdelning", "Hemsjukvården Test"}
        body = response.content.decode()
        assert "Testkommun" in body and "Region Test" in body
        log = AccessLogEntry.objects.get(action="log_extract")
        assert (log.patient, log.purpose, log.user) == (lisa, "log_review", reviewer.user)

    def test_each_line_is_shown_in_swedish_time_with_its_labels_escaped(
        self, client, lisa, ward_nurse, ward, reviewer
    ):
        from datetime import UTC, datetime

        AccessLogEntry.objects.create(
            occurred_at=datetime(2026, 7, 1, 12, 5, tzinfo=UTC),
            user=ward_nurse.user,
            unit=ward,
            unit_display="<b>Avd</b>",
            patient=lisa,
            action=AccessLogEntry.Action.VIEW_PATIENT,
            purpose=AccessLogEntry.Purpose.CARE,
            outcome=AccessLogEntry.Outcome.GRANTED,
        )
        client.force_login(reviewer.user)
        response = client.post(EXTRACT, {"personal_number": "19380508-9145"})
        body = response.content.decode()
        row = body[body.index("2026-07-01 14:05") : body.index("</tr>", body.index("2026-07-01"))]
        assert "&lt;b&gt;Avd&lt;/b&gt;" in row and "<b>" not in row
        assert "Region Test" in row
        assert str(AccessLogEntry.Action.VIEW_PATIENT.label) in row
        assert str(AccessLogEntry.Purpose.CARE.label) in row

    def test_an_entry_without_a_unit_shows_dashes_and_the_statements_do_not_grow(
        self, client, lisa, ward_nurse, ward, reviewer
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def add(count, unit):
            AccessLogEntry.objects.bulk_create(
                AccessLogEntry(
                    user=ward_nurse.user,
                    unit=unit,
                    unit_display=unit.name if unit else "",
                    patient=lisa,
                    action=AccessLogEntry.Action.VIEW_PATIENT,
                    purpose=AccessLogEntry.Purpose.CARE,
                    outcome=AccessLogEntry.Outcome.GRANTED,
                )
                for _ in range(count)
            )

        def statements():
            with CaptureQueriesContext(connection) as queries:
                response = client.post(EXTRACT, {"personal_number": "19380508-9145"})
            return len(queries), response.context["extract"].rows

        add(1, None)
        client.force_login(reviewer.user)
        statements()  # the session's first request reads more (its own set-up)
        few, rows = statements()
        assert [(row.unit, row.organisation) for row in rows if row.unit == "–"] == [("–", "–")]
        add(200, ward)
        many, rows = statements()
        assert many == few and len(rows) >= 201
        assert {row.organisation for row in rows if row.unit == ward.name} == {"Region Test"}

    def test_an_unknown_number_says_so(self, as_reviewer):
        response = as_reviewer.post(EXTRACT, {"personal_number": "19121212-1212"})
        assert "ingen patient med det numret" in response.content.decode()

    def test_an_invalid_number_is_a_form_error(self, as_reviewer):
        response = as_reviewer.post(EXTRACT, {"personal_number": "19121212-1219"})
        assert "Kontrollsiffran stämmer inte" in response.content.decode()
        assert not AccessLogEntry.objects.filter(action="log_extract").exists()


@pytest.mark.django_db
class TestReviewAtScale:
    """The review looks staff and patients up first and filters the log by their ids (its
    indexes), and stops counting past a cap (bench/access_log.py has the figures)."""

    def test_staff_are_found_by_hsa_id_full_name_and_a_name_changed_since(
        self, client, physician, reviewer, lisa
    ):
        client.force_login(physician.user)
        client.get(detail(lisa))
        old_name = physician.display_name
        physician.user.last_name = "Nyman"
        physician.user.save()
        client.force_login(reviewer.user)

        def care_reads(text):
            page = client.get(REVIEW, {"staff_text": text}).context["page"]
            return [e.user_display for e in page.object_list if e.purpose == "care"]

        assert care_reads(physician.hsa_id.lower()) == [old_name]
        assert care_reads(f"{physician.user.first_name} Nyman") == [old_name]  # its new name
        assert care_reads("Nyman") == [old_name]

    def test_a_name_no_staff_has_is_searched_in_the_log_s_own_copy(self, reviewer, ward, client):
        AccessLogEntry.objects.create(
            user_display="FHIR-klient Cosmic",
            unit=ward,
            action=AccessLogEntry.Action.API_READ,
            purpose=AccessLogEntry.Purpose.CARE,
            outcome=AccessLogEntry.Outcome.GRANTED,
        )
        client.force_login(reviewer.user)
        page = client.get(REVIEW, {"staff_text": "cosmic"}).context["page"]
        assert [e.action for e in page.object_list] == ["api_read"]

    def test_past_the_cap_the_count_stops_and_the_page_says_narrow_it(
        self, client, ward_nurse, reviewer, kim, monkeypatch
    ):
        from hemma.logreview.views import CappedPaginator

        monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 5)
        client.force_login(ward_nurse.user)
        for _ in range(8):
            client.get(detail(kim))
        client.force_login(reviewer.user)
        response = client.get(REVIEW)
        paginator = response.context["page"].paginator
        assert paginator.capped and paginator.count == 6
        assert "avgränsa med datum, patient eller medarbetare" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("detail", ["id=a\x00b", "id=\ud800x", "\x00" * 600])
def test_a_detail_quoting_hostile_input_is_stored_with_a_replacement_character(
    ward_nurse, ward, lisa, detail
):
    """A denial's detail may quote a posted value; PostgreSQL refuses NUL and a lone
    surrogate in text (found by tests/web/test_form_fuzz.py: a 500 on a planner POST)."""
    from hemma.audit.services import access_log_record, access_log_record_many

    one = access_log_record(
        staff=ward_nurse,
        unit=ward,
        patient=lisa,
        action=AccessLogEntry.Action.VIEW_PATIENT,
        purpose=AccessLogEntry.Purpose.CARE,
        outcome=AccessLogEntry.Outcome.DENIED,
        detail=detail,
    )
    access_log_record_many(
        staff=ward_nurse, unit=ward, patients=[lisa], action="list_patients", detail=detail
    )
    stored = list(
        AccessLogEntry.objects.filter(user=ward_nurse.user).values_list("detail", flat=True)
    )
    assert one.pk and len(stored) == 2
    for text in stored:
        assert "\x00" not in text and "\ud800" not in text and "\ufffd" in text
        assert len(text) <= 500
