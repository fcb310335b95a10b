"""deploy/prometheus/: every alerting rule names metrics Hemma really exports (compared with
a real scrape of /metrics), and the scrape configuration matches the rules' job."""

import re
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
TOKEN = "r" * 40
# Prometheus's own series about a scrape target.
PROMETHEUS_OWN = {"up"}
FUNCTIONS_AND_KEYWORDS = {
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "bool",
    "offset",
}
REQUIRED = {
    "HemmaDown",
    "HemmaDatabaseDown",
    "HemmaWorkerNotRunning",
    "HemmaAlertEscalationLag",
    "HemmaHighServerErrorRate",
}


def rules() -> list[dict]:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def metric_names(expr: str) -> set[str]:
    """The series an expression selects: identifiers outside label matchers, ranges and
    strings that are not functions (followed by "(") or PromQL keywords."""
    bare = re.sub(r'"[^"]*"', '""', expr)
    bare = re.sub(r"\{[^}]*\}", " ", bare)
    bare = re.sub(r"\[[^\]]*\]", " ", bare)
    bare = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", " ", bare)
    names = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", bare):
        following = bare[match.end() :].lstrip()
        if following.startswith("(") or match.group() in FUNCTIONS_AND_KEYWORDS:
            continue
        if bare[max(0, match.start() - 1)].isdigit():  # the "m" of 5m, the "e" of 1e3
            continue
        names.add(match.group())
    return names


def exported(text: str) -> set[str]:
    """Every series name a scrape offers, histograms and counters with their suffixes."""
    names = set()
    for family in text_string_to_metric_families(text):
        if family.type == "counter":
            names.add(f"{family.name}_total")
        elif family.type == "histogram":
            names |= {f"{family.name}_bucket", f"{family.name}_sum", f"{family.name}_count"}
        else:
            names.add(family.name)
    return names


@pytest.fixture
def scraped(db, settings):
    """A scrape after a request and a pass of the worker, so every family has samples."""
    settings.HEMMA_METRICS_TOKEN = TOKEN
    client = Client()
    client.get("/healthz")
    call_command("monitor", "--once", stdout=open("/dev/null", "w"))  # noqa: SIM115
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return exported(response.content.decode())


def test_the_parser_of_expressions_finds_names():
    expr = 'sum(rate(a_total{status="5xx",x=~"b|c"}[5m])) / sum by (le) (b_bucket) > 1e3 and up'
    assert metric_names(expr) == {"a_total", "b_bucket", "up"}


def test_every_rule_names_metrics_that_hemma_exports(scraped):
    for rule in rules():
        names = metric_names(rule["expr"])
        assert names, f"{rule['alert']}: no metric found in {rule['expr']!r}"
        unknown = names - scraped - PROMETHEUS_OWN
        assert not unknown, f"{rule['alert']} names metrics Hemma does not export: {unknown}"


def test_the_operations_alerts_are_all_there_with_severity_and_summary():
    by_name = {rule["alert"]: rule for rule in rules()}
    assert set(by_name) >= REQUIRED
    for rule in by_name.values():
        assert rule["labels"]["severity"] in {"critical", "warning"}
        assert rule["annotations"]["summary"]


def test_the_scrape_job_is_the_one_the_rules_name_and_uses_the_token():
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    [job] = config["scrape_configs"]
    assert config["rule_files"] == ["alerts.yml"]
    assert job["metrics_path"] == "/metrics" and job["authorization"]["type"] == "Bearer"
    for rule in rules():
        for job_name in re.findall(r'job="([^"]+)"', rule["expr"]):
            assert job_name == job["job_name"], rule["alert"]


def test_the_public_proxy_does_not_pass_metrics_on():
    conf = (ROOT / "deploy" / "nginx" / "hemma.conf").read_text()
    block = conf[conf.index("location = /metrics") :]
    assert block[: block.index("}")].split("{", 1)[1].strip() == "return 404;"
