"""Prometheus metrics at /metrics (hemma/web/metrics.py): closed unless configured, behind a
bearer token, counting requests and ingestion, reading alerts and the worker from the
database, and never naming a patient."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import OperationalError, transaction
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from hemma.monitoring import services
from hemma.monitoring.models import Alert
from hemma.web import metrics
from tests.monitoring.conftest import HOME_SET, RED_SET, at_home  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

TOKEN = "t" * 40


@pytest.fixture
def enabled(settings):
    settings.HEMMA_METRICS_TOKEN = TOKEN


def scrape(client=None) -> str:
    response = (client or Client()).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def samples(text: str) -> dict:
    """{(sample name, sorted labels): value} of a scrape."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def record(episode, values, client_id, source="patient"):
    return services.observation_record(
        episode=episode, values=values, source=source, client_id=client_id
    )


class TestAccess:
    def test_without_a_token_configured_the_endpoint_does_not_exist(self, settings):
        settings.HEMMA_METRICS_TOKEN = ""
        response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 404
        assert "hemma_" not in response.content.decode()

    @pytest.mark.parametrize(
        "header",
        [
            None,
            "",
            "Bearer",
            "Bearer ",
            f"Bearer {TOKEN}x",
            f"Bearer {TOKEN[:-1]}",
            f"Basic {TOKEN}",
            f"Token {TOKEN}",
            "Bearer \ud800",  # a lone surrogate: refused, not a 500
            "Bearer tttt\x00",
        ],
    )
    def test_a_missing_or_wrong_token_is_refused(self, enabled, header):
        extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
        response = Client().get("/metrics", **extra)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert "hemma_" not in response.content.decode()

    def test_the_token_in_the_query_string_is_not_accepted(self, enabled):
        assert Client().get(f"/metrics?token={TOKEN}").status_code == 401

    def test_a_staff_session_is_not_the_token(self, enabled, as_ward_nurse):
        assert as_ward_nurse.get("/metrics").status_code == 401

    def test_with_the_token_prometheus_text_that_no_cache_keeps(self, enabled):
        response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=")
        assert response["Cache-Control"] == "no-store"
        text = response.content.decode()
        assert value(text, "hemma_database_up") == 1

    def test_only_get(self, enabled):
        response = Client().post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 405

    def test_a_short_token_is_refused_at_start(self):
        """settings.py refuses a token under 32 characters (a guessable one)."""
        import subprocess
        import sys

        done = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()"],
            env={
                "DJANGO_SETTINGS_MODULE": "hemma.settings",
                "HEMMA_METRICS_TOKEN": "short",
                "PATH": "/usr/bin:/bin",
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0 and "at least 32 characters" in done.stderr


class TestRequests:
    def test_requests_are_counted_by_view_method_and_status_class(self, enabled):
        client = Client()
        before = scrape(client)
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
        client.post("/healthz")  # 405
        after = scrape(client)
        ok = {"view": "healthz", "method": "GET", "status": "2xx"}
        assert value(after, "hemma_http_requests_total", **ok) - value(
            before, "hemma_http_requests_total", **ok
        ) == pytest.approx(3)
        refused = {"view": "healthz", "method": "POST", "status": "4xx"}
        assert value(after, "hemma_http_requests_total", **refused) - value(
            before, "hemma_http_requests_total", **refused
        ) == pytest.approx(1)
        count = "hemma_http_request_duration_seconds_count"
        assert value(after, count, view="healthz") - value(
            before, count, view="healthz"
        ) == pytest.approx(4)

    def test_a_path_is_never_a_label(self, enabled, kim):
        client = Client()
        client.get("/no-such-page/19440514-9057/")
        client.get("/healthz?q=19440514-9057")
        text = scrape(client)
        assert "19440514" not in text and "no-such-page" not in text
        assert value(
            text, "hemma_http_requests_total", view="unresolved", method="GET", status="4xx"
        )

    def test_an_odd_method_is_counted_as_other(self, enabled):
        client = Client()
        before = scrape(client)
        client.generic("BREW", "/healthz")
        after = scrape(client)
        labels = {"view": "healthz", "method": "other", "status": "4xx"}
        assert value(after, "hemma_http_requests_total", **labels) - value(
            before, "hemma_http_requests_total", **labels
        ) == pytest.approx(1)

    def test_without_a_token_the_middleware_is_not_loaded(self, settings):
        settings.HEMMA_METRICS_TOKEN = ""
        client = Client()
        before = metrics.REQUESTS.labels("healthz", "GET", "2xx")._value.get()
        client.get("/healthz")
        assert metrics.REQUESTS.labels("healthz", "GET", "2xx")._value.get() == before


class TestIngestion:
    def test_a_stored_reading_is_counted_by_source_once_committed(
        self,
        enabled,
        at_home,  # noqa: F811
        django_capture_on_commit_callbacks,
    ):
        before = scrape()
        with django_capture_on_commit_callbacks(execute=True):
            record(at_home, HOME_SET, "m1")
            record(at_home, {"pulse": 80}, "m2", source="ward")
            record(at_home, HOME_SET, "m1")  # a resend: stored once, counted once
        after = scrape()
        name = "hemma_observations_ingested_total"
        assert value(after, name, source="patient") - value(
            before, name, source="patient"
        ) == pytest.approx(1)
        assert value(after, name, source="ward") - value(
            before, name, source="ward"
        ) == pytest.approx(1)

    def test_a_rolled_back_store_counts_nothing(
        self,
        enabled,
        at_home,  # noqa: F811
        django_capture_on_commit_callbacks,
    ):
        before = scrape()
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            record(at_home, HOME_SET, "m3")
            raise RuntimeError("rolled back")
        name = "hemma_observations_ingested_total"
        assert value(scrape(), name, source="patient") == value(before, name, source="patient")


class TestAlerts:
    def test_open_alerts_by_level_escalated_and_lag(
        self,
        enabled,
        at_home,  # noqa: F811
        ward_nurse,
        ward,
    ):
        text = scrape()
        assert value(text, "hemma_alerts_open", level="high") == 0
        assert value(text, "hemma_alert_escalation_overdue_seconds") == 0
        alert = record(at_home, RED_SET, "a1").alert
        assert alert.level == "high"
        text = scrape()
        assert value(text, "hemma_alerts_open", level="high") == 1
        assert value(text, "hemma_alerts_open", level="medium") == 0
        assert value(text, "hemma_alert_escalation_overdue_seconds") == 0  # not due yet

        # Raised 20 minutes ago and never escalated: 5 minutes past its escalation time.
        Alert.objects.filter(pk=alert.pk).update(created_at=timezone.now() - timedelta(minutes=20))
        lag = value(scrape(), "hemma_alert_escalation_overdue_seconds")
        assert 295 <= lag <= 320

        # Escalated a step 2 minutes ago: counted as escalated, its next step not due.
        Alert.objects.filter(pk=alert.pk).update(
            escalation_step=1, escalated_at=timezone.now() - timedelta(minutes=2)
        )
        text = scrape()
        assert value(text, "hemma_alerts_escalated_open") == 1
        assert value(text, "hemma_alert_escalation_overdue_seconds") == 0

        Alert.objects.filter(pk=alert.pk).update(escalation_failed=True, escalation_step=3)
        assert value(scrape(), "hemma_alerts_escalation_failed_open") == 1

        services.alert_acknowledge(staff=ward_nurse, unit=ward, alert=alert)
        text = scrape()
        assert value(text, "hemma_alerts_open", level="high") == 0
        assert value(text, "hemma_alerts_escalated_open") == 0
        assert value(text, "hemma_alert_escalation_overdue_seconds") == 0

    def test_no_patient_identity_in_the_output(
        self,
        enabled,
        at_home,  # noqa: F811
        as_ward_nurse,
    ):
        record(at_home, RED_SET, "p1")
        assert as_ward_nurse.get(f"/patients/{at_home.patient_id}/").status_code == 200
        as_ward_nurse.get("/patients/?q=19440514-9057")
        text = scrape()
        assert value(
            text, "hemma_http_requests_total", view="patients:detail", method="GET", status="2xx"
        )
        assert value(text, "hemma_alerts_open", level="high") == 1
        patient = at_home.patient
        for secret in (
            "19440514-9057",
            "194405149057",
            "440514",
            patient.first_name,
            patient.last_name,
            "Alex",
            str(patient.pk),
            "wardnurse",
            "WARDNURSE",
        ):
            assert secret not in text, secret


class TestWorker:
    def test_a_pass_of_the_worker_is_its_heartbeat(self, enabled):
        text = scrape()
        assert not any(
            name == "hemma_worker_last_pass_timestamp_seconds" for name, _ in samples(text)
        )
        call_command("monitor", "--once", stdout=open("/dev/null", "w"))  # noqa: SIM115
        text = scrape()
        last = value(text, "hemma_worker_last_pass_timestamp_seconds")
        assert abs(last - timezone.now().timestamp()) < 30
        assert value(text, "hemma_worker_passes_total") == 1
        assert value(text, "hemma_worker_check_duration_seconds_count", check="pass") == 1
        for check in ("alerts_escalate", "overdue_check", "doses_overdue_check", "jobs_purge"):
            assert value(text, "hemma_worker_check_duration_seconds_count", check=check) == 1
        call_command("monitor", "--once", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert value(scrape(), "hemma_worker_passes_total") == 2

    def test_the_database_down_is_a_zero_not_an_error(self, enabled, monkeypatch):
        class Gone:
            in_atomic_block = True

            def cursor(self):
                raise OperationalError("connection refused")

        monkeypatch.setattr(metrics, "connection", Gone())
        text = scrape()
        assert value(text, "hemma_database_up") == 0
        assert "hemma_alerts_open" not in text
        assert "hemma_http_requests_total" in text  # what the process counted still is


def test_a_scrape_costs_five_queries_whatever_the_alerts(
    enabled,
    at_home,  # noqa: F811
    django_assert_num_queries,
):
    """SELECT 1, open alerts by level, the escalation figures, the job queue, the heartbeat."""
    record(at_home, RED_SET, "q1")
    record(at_home, {"pulse": 38}, "q2")
    call_command("monitor", "--once", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with django_assert_num_queries(5):
        metrics.database_metrics()
