"""Finding patients early: Clinical Frailty Scale and frequent attenders from imported ED
visits (bad lines reported with line numbers, good rows kept, re-import adds nothing)."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from hemma.clinical.frailty import cfs_name, is_frail, is_frequent_attender
from hemma.coordination.models import EdVisit, FrailtyScreening
from hemma.coordination.screening import ed_visits_import, flags_for
from hemma.errors import HemmaError


def test_cfs_names_and_frailty():
    assert cfs_name(1) == "Mycket vital" and cfs_name(9, "en") == "Terminally Ill"
    assert is_frail(5) and not is_frail(4)
    with pytest.raises(ValueError):
        cfs_name(10)


def test_frequent_attender_counts_within_the_window():
    today = date(2026, 11, 25)
    visits = [today - timedelta(days=d) for d in (1, 30, 170, 200)]
    assert is_frequent_attender(visits, today, window_days=180, threshold=3)
    assert not is_frequent_attender(visits, today, window_days=60, threshold=3)


@pytest.mark.django_db
class TestImport:
    def csv(self, today):
        recent = [(today - timedelta(days=d)).isoformat() for d in (3, 40, 90)]
        return "\n".join(
            [
                "personnummer;datum",
                f"19440514-9057;{recent[0]}",
                f"194405149057;{recent[1]}",
                f"19440514-9057;{recent[2]}",
                "19440514-9058;2026-01-01",  # bad check digit
                "19440514-9057;igår",  # bad date
                "19121212-1212;2026-01-02",  # not in Hemma
                f"19440514-9057;{(today + timedelta(days=2)).isoformat()}",  # future
            ]
        )

    def test_good_rows_are_kept_and_bad_ones_reported_by_line(self, kim):
        today = timezone.localdate()
        report = ed_visits_import(self.csv(today), source="test.csv")
        assert report.created == 3 and report.duplicates == 0
        assert [line for line, _message in report.errors] == [5, 6, 7, 8]
        assert "personnummer" in report.errors[0][1]
        again = ed_visits_import(self.csv(today))
        assert again.created == 0 and again.duplicates == 3
        assert EdVisit.objects.count() == 3
        assert flags_for([kim.pk])[kim.pk].frequent_attender

    def test_a_file_without_the_columns_is_refused(self):
        report = ed_visits_import("pnr,dag\n19440514-9057,2026-01-01")
        assert report.created == 0 and report.errors[0][0] == 1

    def test_the_command_imports_a_file(self, kim, tmp_path, capsys):
        path = tmp_path / "akut.csv"
        path.write_text(f"personnummer,datum\n19440514-9057,{timezone.localdate().isoformat()}\n")
        call_command("import_ed_visits", str(path))
        assert "imported 1" in capsys.readouterr().out


@pytest.mark.django_db
class TestFrailty:
    def test_a_unit_records_cfs_on_the_patient_page(self, as_ward_nurse, kim):
        url = reverse("coordination:frailty", args=[kim.pk])
        response = as_ward_nurse.post(
            url, {"level": "6", "assessed_on": timezone.localdate().isoformat()}
        )
        assert response.status_code == 302
        screening = FrailtyScreening.objects.get()
        assert screening.level == 6 and screening.unit.kind == "ward"
        page = as_ward_nurse.get(reverse("patients:detail", args=[kim.pk])).content.decode()
        assert "CFS 6" in page and "Rockwood" in page

    def test_bad_levels_and_future_dates_are_refused(self, as_ward_nurse, ward_nurse, ward, kim):
        from hemma.coordination.screening import frailty_record

        with pytest.raises(HemmaError, match="framtiden"):
            frailty_record(
                staff=ward_nurse,
                unit=ward,
                patient=kim,
                level=5,
                assessed_on=timezone.localdate() + timedelta(days=1),
            )
        response = as_ward_nurse.post(
            reverse("coordination:frailty", args=[kim.pk]), {"level": "12"}, follow=True
        )
        body = response.content.decode()
        assert "Inget sparades: rätta de markerade fälten." in body
        # Issue 19: the level is kept and its error shown at the field on the patient page.
        assert 'aria-invalid="true"' in body and "12 finns inte" in body
        assert not FrailtyScreening.objects.exists()

    def test_outsiders_cannot_record(self, as_outsider, kim):
        response = as_outsider.post(
            reverse("coordination:frailty", args=[kim.pk]),
            {"level": "5", "assessed_on": "2026-11-01"},
        )
        assert response.status_code == 404


@pytest.mark.django_db
def test_frailty_and_frequent_attendance_inform_the_flagging(as_ward_nurse, ward_nurse, ward, kim):
    from hemma.coordination.screening import frailty_record

    frailty_record(
        staff=ward_nurse, unit=ward, patient=kim, level=6, assessed_on=timezone.localdate()
    )
    for days in (2, 9, 30):
        EdVisit.objects.create(patient=kim, visited_on=timezone.localdate() - timedelta(days=days))
    page = as_ward_nurse.get(reverse("episodes:flag", args=[kim.pk])).content.decode()
    assert "CFS 6" in page and "Frekvent besökare" in page
