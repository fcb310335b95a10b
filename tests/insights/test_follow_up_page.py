"""Readmissions and ED visits within 30 days after every imported stay, on the follow-up
page next to the ED visits per centre: the figures from imported files, the organisation's
own imports only, the empty state naming the missing import, the CSV, who sees the page,
and a number of queries that does not grow with the number of centres."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hemma.accounts.models import Staff
from hemma.insights import selectors, services
from hemma.insights.models import AdmissionRecord, ImportBatch
from hemma.jobs.services import run_due_jobs
from tests.conftest import client_for, make_staff

pytestmark = pytest.mark.django_db
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}
PERIOD = selectors.Period(date(2026, 3, 1), date(2026, 3, 31))
HEADER = (
    "personnummer;inskrivningsdatum;utskrivningsdatum;avdelning;vårdcentral;kommun;ålder;"
    "vård i hemmet\n"
)
HIDDEN = '<span class="muted" title="dolt eller saknas">–</span>'


def cells(name, *values):
    """A row of the table as the page writes it."""
    return f'<th scope="row">{name}</th>' + "".join(f"<td>{v}</td>" for v in values)


def stays_file(centres: dict[str, tuple[int, int]], municipality="Falun") -> str:
    """Per centre: (discharged in March, of them back within 30 days). Every stay 1–5
    March; the readmitted ones back on 4 April (30 days after 5 March), the others'
    persons back on 5 April (31 days: not readmitted)."""
    lines = [HEADER]
    for centre, (discharged, readmitted) in centres.items():
        for i in range(discharged):
            person = f"{centre}-{i}"
            home = "ja" if i < 5 else "nej"
            lines.append(
                f"{person};2026-03-01;2026-03-05;Medicin 12;{centre};{municipality};84;{home}\n"
            )
            back = date(2026, 4, 4) if i < readmitted else date(2026, 4, 5)
            lines.append(
                f"{person};{back};{back + timedelta(days=2)};Medicin 12;{centre};"
                f"{municipality};84;nej\n"
            )
    return "".join(lines)


@pytest.fixture
def manager(primary_care):
    return make_staff("vcchef", "physician", primary_care, role="manager")


def load(manager, unit, kind, text):
    return services.import_file(
        staff=manager, unit=unit, kind=kind, file_name=f"{kind}.csv", text=text
    )


@pytest.fixture
def imported(manager, primary_care):
    load(
        manager,
        primary_care,
        "admissions",
        stays_file({"VC Kvarnen": (10, 6), "VC Britsarvet": (7, 0)}),
    )
    visits = (
        "person;datum;ålder;vårdcentral;kommun\n"
        + "".join(f"VC Kvarnen-{i};2026-03-{6 + i:02d};84;VC Kvarnen;Falun\n" for i in range(5))
        + "VC Britsarvet-0;2026-03-05;84;VC Britsarvet;Falun\n"
    )  # the discharge day: not counted
    load(manager, primary_care, "ed_visits", visits)


def test_the_figures_from_the_imported_files(imported, primary_care):
    follow_up = selectors.follow_up(primary_care.organisation, PERIOD)
    kvarnen = follow_up.centres["VC Kvarnen"]
    assert (kvarnen.discharged, kvarnen.readmitted, kvarnen.ed_visit) == (10, 6, 5)
    assert (kvarnen.at_home_discharged, kvarnen.at_home_readmitted) == (5, 5)
    britsarvet = follow_up.centres["VC Britsarvet"]
    assert (britsarvet.discharged, britsarvet.readmitted, britsarvet.ed_visit) == (7, 0, 0)
    assert follow_up.municipalities["Falun"].discharged == 17
    assert follow_up.latest_admission == date(2026, 4, 5) and follow_up.ed_imported


@pytest.mark.parametrize("who", ["ward_nurse", "coordinator", "manager", "physician"])
def test_the_table_next_to_the_ed_visits_per_centre(client, imported, who, request):
    staff = request.getfixturevalue(who)
    page = client_for(client, staff).get(reverse("insights:dashboard"), MARCH).content.decode()
    assert page.index("Akutbesök per 1000 listade 80+ (rullande") < page.index(
        "Återinskrivning och akutbesök inom 30 dagar efter utskrivning, per vårdcentral"
    )
    assert '<th scope="col">Återinskrivna inom 30 dagar</th>' in page
    assert cells("VC Kvarnen", 10, 6, "60\u00a0%", 5, "50\u00a0%", "5 / 5 (100\u00a0%)") in page
    assert (
        '<th scope="row">Totalt</th><td>17</td><td>6</td><td>35\u00a0%</td>'
        "<td>5</td><td>29\u00a0%</td>" in page
    )
    assert "per kommun" in page and '<th scope="row">Falun</th><td>17</td>' in page


def test_the_empty_state_names_the_missing_import(
    client, ward_nurse, home_nurse, imported, primary_care
):
    # a municipality sees only its own imports: none
    page = client_for(client, home_nurse).get(reverse("insights:dashboard"), MARCH).content.decode()
    assert (
        "Inga vårdtillfällen är inlästa. Läs in vårdtillfällen (inläggningar) under "
        "Uppföljning → Underlag."
    ) in page
    client.logout()
    page = (
        client_for(client, ward_nurse)
        .get(reverse("insights:dashboard"), {"start": "2025-03-01", "end": "2025-03-31"})
        .content.decode()
    )
    assert "Inga utskrivningar under perioden i de inlästa vårdtillfällena." in page


def test_without_imported_ed_visits_the_column_is_empty_and_says_why(
    client, ward_nurse, manager, primary_care
):
    load(manager, primary_care, "admissions", stays_file({"VC Kvarnen": (10, 6)}))
    page = client_for(client, ward_nurse).get(reverse("insights:dashboard"), MARCH).content.decode()
    assert cells("VC Kvarnen", 10, 6, "60\u00a0%", HIDDEN, HIDDEN) in page
    assert "Inga akutbesök är inlästa" in page


def test_small_numbers_are_hidden_on_the_page(client, ward_nurse, manager, primary_care):
    load(
        manager, primary_care, "admissions", stays_file({"VC Kvarnen": (10, 3), "VC Litet": (4, 0)})
    )
    page = client_for(client, ward_nurse).get(reverse("insights:dashboard"), MARCH).content.decode()
    # 4 discharges are hidden, and so are Kvarnen's 10 (else 14 − 10 = 4); 3 readmitted
    # are hidden, and so is the total (the other centre's is 0); no share of a hidden count
    assert cells("VC Kvarnen", HIDDEN, HIDDEN, HIDDEN) in page
    assert cells("VC Litet", HIDDEN, 0, HIDDEN) in page
    assert cells("Totalt", 14, HIDDEN, HIDDEN) in page


def test_the_csv_of_the_table(client, ward_nurse, imported):
    response = client_for(client, ward_nurse).get(
        reverse("insights:dashboard_csv", args=["follow_up_centre"]), MARCH
    )
    body = response.content.decode("utf-8")
    assert "Vårdcentral;Utskrivningar;Återinskrivna inom 30 dagar;Andel återinskrivna" in body
    assert "VC Kvarnen;10;6;60\u00a0%;5;50\u00a0%;5 / 5 (100\u00a0%)" in body
    assert "VC Britsarvet;7;0;0\u00a0%;0;0\u00a0%;0 / 5 (0\u00a0%)" in body
    assert "utskrivningar efter 2026-03-06 har ännu inte 30 dagars uppföljning" in body


def test_the_upload_page_reads_stays(client, manager):
    upload = SimpleUploadedFile(
        "vardtillfallen.csv", stays_file({"VC Kvarnen": (2, 1)}).encode("utf-8-sig")
    )
    as_manager = client_for(client, manager)
    page = as_manager.get(reverse("insights:imports")).content.decode()
    assert '<option value="admissions">Vårdtillfällen (inläggningar)</option>' in page
    as_manager.post(reverse("insights:imports"), {"kind": "admissions", "file": upload})
    assert run_due_jobs() == 1
    assert ImportBatch.objects.get().imported == 4 and AdmissionRecord.objects.count() == 4


def test_who_may_not_see_follow_up(client, region):
    url = reverse("insights:dashboard")
    assert client.get(url, MARCH).status_code == 302  # signed out: to the login page
    user = get_user_model().objects.create_user(username="nounit", password="x")
    client.force_login(user)
    assert client.get(url, MARCH).status_code == 403  # no staff profile
    Staff.objects.create(user=user, profession="nurse", hsa_id="SE2321000180-NOUNIT")
    assert client.get(url, MARCH).status_code == 403  # staff without a unit
    assert (
        client.get(reverse("insights:dashboard_csv", args=["follow_up_centre"])).status_code == 403
    )


def test_the_queries_do_not_grow_with_the_number_of_centres(
    client, ward_nurse, manager, primary_care
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            selectors.follow_up(primary_care.organisation, PERIOD)
        return len(captured)

    def page_queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("insights:dashboard"), MARCH).status_code == 200
        return len(captured)

    client_for(client, ward_nurse)
    page_queries()  # the session's first request writes what later ones do not
    load(
        manager,
        primary_care,
        "ed_visits",
        "person;datum;ålder;vårdcentral;kommun\nx;2026-03-09;84;VC A;Falun\n",
    )
    load(manager, primary_care, "admissions", stays_file({"VC A": (6, 2), "VC B": (6, 0)}))
    few, few_page = queries(), page_queries()
    assert few == 4
    load(
        manager,
        primary_care,
        "admissions",
        stays_file({f"VC {n}": (6, 3) for n in range(12)}, "Borlänge"),
    )
    assert queries() == few and page_queries() == few_page


def test_the_demo_stays_are_generated_once_and_give_figures(region):
    from hemma.insights.history import CENTRES, generate_admissions

    end = date(2026, 10, 31)
    created = generate_admissions(organisation=region, end=end, months=6, home_ward="Avd 30")
    assert created > 6 * 4 * 30 and AdmissionRecord.objects.count() == created
    assert generate_admissions(organisation=region, end=end, months=6) == 0  # once
    follow_up = selectors.follow_up(region, selectors.Period(date(2026, 5, 1), date(2026, 9, 30)))
    assert set(follow_up.centres) == {name for name, _municipality in CENTRES}
    for counts in follow_up.centres.values():
        assert 5 <= counts.readmitted < counts.discharged and counts.ed_visit >= 5
    assert sum(c.at_home_discharged for c in follow_up.centres.values()) > 0
