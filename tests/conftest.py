"""The people every test can use (DESIGN.md "Test with people").

Region: an infection ward (ward_nurse, physician) and a primary care centre
(coordinator). Municipality: home health care (home_nurse). An outsider works
for another municipality's home care and must see nothing. reviewer reviews the
region's access log.

Patients: kim has the ward in her care team; lisa has the ward and the home
health care unit; omar only the primary care centre. All numbers are
Skatteverket test personnummer.
"""

import os
import shutil
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from hemma.accounts.models import Membership, Organisation, Staff, Unit
from hemma.clinical.identifiers import parse_personal_identity
from hemma.patients.models import CareRelationship, NextOfKin, Patient

# SQLite: Django's test flush may pass the access log's DELETE trigger (and only it).
pytest_plugins = ["tests.audit.sqlite_trigger"]

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("HEMMA_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "test-password-for-people"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Production hashes passwords slowly on purpose; tests create many users (Django's
    own advice for test suites). Logins still go through the real authentication."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _swedish():
    """A request in English leaves the thread's language active; every test starts in Swedish."""
    from django.utils import translation

    translation.activate("sv")
    yield
    translation.activate("sv")


@pytest.fixture
def region(db):
    return Organisation.objects.create(
        kind="region",
        name="Region Test",
        organisation_number="232100-0180",
        hsa_id="SE2321000180-TEST",
    )


@pytest.fixture
def municipality(db):
    return Organisation.objects.create(
        kind="municipality",
        name="Testkommun",
        organisation_number="212000-2080",
        hsa_id="SE2120002080-TEST",
    )


@pytest.fixture
def other_municipality(db):
    return Organisation.objects.create(
        kind="municipality",
        name="Grannkommun",
        organisation_number="212000-1934",
        hsa_id="SE2120001934-TEST",
    )


def make_unit(organisation, name, kind, suffix, beds=None):
    return Unit.objects.create(
        organisation=organisation,
        name=name,
        kind=kind,
        hsa_id=f"{organisation.hsa_id.split('-')[0]}-{suffix}",
        phone="023-49 00 00",
        beds=beds,
    )


@pytest.fixture
def ward(region):
    return make_unit(region, "Infektionsavdelning", "ward", "INF", beds=22)


@pytest.fixture
def primary_care(region):
    return make_unit(region, "Vårdcentral Test", "primary_care", "VC")


@pytest.fixture
def home_health(municipality):
    return make_unit(municipality, "Hemsjukvården Test", "home_health_care", "HSV")


@pytest.fixture
def foreign_home_care(other_municipality):
    return make_unit(other_municipality, "Hemtjänsten Grannkommun", "home_care", "HT")


@pytest.fixture
def home_care(municipality):
    return make_unit(municipality, "Hemtjänsten Test", "home_care", "HT")


@pytest.fixture
def needs_assessor(home_care):
    return make_staff("assessor", "needs_assessor", home_care)


def make_staff(username, profession, *units, role="member"):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, first_name=username.title(), last_name="Test"
    )
    staff = Staff.objects.create(
        user=user,
        profession=profession,
        hsa_id=f"{units[0].organisation.hsa_id.split('-')[0]}-{username.upper()}",
    )
    for unit in units:
        Membership.objects.create(staff=staff, unit=unit, role=role)
    return staff


@pytest.fixture
def ward_nurse(ward):
    return make_staff("wardnurse", "nurse", ward)


@pytest.fixture
def physician(ward):
    return make_staff("physician", "physician", ward)


@pytest.fixture
def home_nurse(home_health):
    return make_staff("homenurse", "nurse", home_health)


@pytest.fixture
def coordinator(primary_care):
    return make_staff("coordinator", "care_coordinator", primary_care)


@pytest.fixture
def outsider(foreign_home_care):
    return make_staff("outsider", "assistant_nurse", foreign_home_care)


@pytest.fixture
def reviewer(ward, primary_care):
    return make_staff("reviewer", "administrator", ward, primary_care, role="log_reviewer")


def make_patient(number, first_name, *team, consent=None, **fields):
    """A patient with care relationships to `team`. A team with a municipal unit comes with
    the patient's consent to region–municipality sharing unless consent=False."""
    from hemma.patients.models import SharingConsent

    patient = Patient(first_name=first_name, last_name="Testsson", **fields)
    patient.apply_identity(parse_personal_identity(number))
    patient.save()
    for unit in team:
        CareRelationship.objects.create(patient=patient, unit=unit)
    if consent is None:
        consent = any(unit.organisation.kind == "municipality" for unit in team)
    if consent:
        SharingConsent.objects.create(patient=patient)
    return patient


@pytest.fixture
def kim(ward, primary_care):
    patient = make_patient(
        "19440514-9057",
        "Kim",
        ward,
        listed_unit=primary_care,
        city="Falun",
        latitude=Decimal("60.6065"),
        longitude=Decimal("15.63"),
    )
    NextOfKin.objects.create(
        patient=patient, name="Alex Testsson", relation="make", phone="0701740606"
    )
    return patient


@pytest.fixture
def lisa(ward, home_health):
    return make_patient("19380508-9145", "Lisa", ward, home_health)


@pytest.fixture
def omar(primary_care):
    return make_patient("19350404-9135", "Omar", primary_care)


def client_for(client, staff):
    client.force_login(staff.user)
    return client


@pytest.fixture
def as_ward_nurse(client, ward_nurse):
    return client_for(client, ward_nurse)


@pytest.fixture
def as_home_nurse(client, home_nurse):
    return client_for(client, home_nurse)


@pytest.fixture
def as_physician(client, physician):
    return client_for(client, physician)


@pytest.fixture
def as_outsider(client, outsider):
    return client_for(client, outsider)


@pytest.fixture
def as_reviewer(client, reviewer):
    return client_for(client, reviewer)


def chromium_or_skip():
    """The browser tests need Debian's Chromium: skipped with a notice locally, failed in CI."""
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if path:
        return path
    message = (
        f"Chromium not found at {CHROMIUM}: browser tests cannot run (apt-get install chromium)"
    )
    if IN_CI:
        pytest.fail(f"CI=true: {message}")
    pytest.skip(message)


def pytest_terminal_summary(terminalreporter):
    skipped = terminalreporter.stats.get("skipped", [])
    if any("Chromium not found" in str(report.longrepr) for report in skipped):
        terminalreporter.write_sep("!", "NOTICE: browser tests were SKIPPED (no Chromium)")


# --- the browser (Playwright on Debian's Chromium) -----------------------------------------
# One session-wide browser for every browser test (tests/browser, tests/accounts/test_oidc):
# Playwright's sync API may run only once per thread, so a second fixture of its own
# (another module's) would fail every browser test after it.

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread while the tests make plain
    # ORM calls, so Django's async guard must step aside - only while browsers run.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="sv-SE", viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.console_errors = errors
    yield page
    context.close()


@pytest.fixture
def daytime_clock():
    """The clock at the latest 17:00 (tests/clock.py): for tests that assume daytime."""
    from tests.clock import daytime

    with daytime() as start:
        yield start
