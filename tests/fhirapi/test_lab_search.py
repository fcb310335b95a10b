"""Lab results in the Observation search and in $everything, next to the vital signs:
category, code, date, _lastUpdated, status and encounter filters, one newest-first list
paged across both sources without repeats or gaps, a statement count that does not grow
with the page, and the bundles valid R4 by the independent validator."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hemma.fhirapi.search import encode_cursor
from hemma.labs.models import LabResult

from .conftest import get, valid_r4
from .test_independent_validation import errors, validate

pytestmark = pytest.mark.django_db
LOINC = "http://loinc.org"


def entries(response) -> list[dict]:
    assert response.status_code == 200, response.json()
    return [entry["resource"] for entry in valid_r4(response.json()).get("entry", [])]


def lab_ids(resources) -> list[str]:
    return [r["id"] for r in resources if r["id"].startswith("lab-")]


def lab(episode, staff, analyte, value, taken_at, unit=None):
    return LabResult.objects.create(
        episode=episode,
        analyte=analyte,
        value=Decimal(value),
        taken_at=taken_at,
        source="ward",
        entered_by=staff,
        unit=unit or episode.ward,
    )


@pytest.fixture
def labs(readings, ward_nurse):
    """The readings' two sets (9 Observations) and three lab results: a CRP at the very
    instant of the morning set (a tie across the sources), a CRP and an Hb in between."""
    morning = readings.observations.order_by("measured_at").first().measured_at
    return readings, [
        lab(readings, ward_nurse, "crp", "48", morning),
        lab(readings, ward_nurse, "crp", "31", morning + timedelta(hours=2)),
        lab(readings, ward_nurse, "hb", "112.5", morning + timedelta(hours=3)),
    ]


def test_without_a_category_labs_and_vital_signs_come_newest_first(client, ward_token, labs):
    episode, (tie, crp, hb) = labs
    found = entries(get(client, "/fhir/Observation", ward_token, patient=episode.patient_id))
    assert len(found) == 9 + 3
    assert lab_ids(found) == [f"lab-{hb.pk}", f"lab-{crp.pk}", f"lab-{tie.pk}"]
    moments = [r.get("effectiveDateTime") for r in found]
    assert moments == sorted(moments, reverse=True)
    # At the same instant the set's Observations come before the lab result.
    assert found[-1]["id"] == f"lab-{tie.pk}"
    body = next(r for r in found if r["id"] == f"lab-{hb.pk}")
    assert body["category"][0]["coding"][0]["code"] == "laboratory"
    assert body["valueQuantity"] == {
        "value": 112.5,
        "unit": "g/L",
        "system": "http://unitsofmeasure.org",
        "code": "g/L",
    }
    assert body["encounter"]["reference"] == f"Encounter/{episode.pk}"
    # Without patient= (every patient the client may read) the same list.
    assert entries(get(client, "/fhir/Observation", ward_token)) == found


@pytest.mark.parametrize(
    ("category", "vitals", "labs_found"),
    [
        ("laboratory", 0, 3),
        ("http://terminology.hl7.org/CodeSystem/observation-category|laboratory", 0, 3),
        ("vital-signs", 7, 0),
        ("survey", 2, 0),
        ("vital-signs,laboratory", 7, 3),
        ("exam", 0, 0),
    ],
)
def test_category_selects_the_source(client, ward_token, labs, category, vitals, labs_found):
    episode, _results = labs
    found = entries(
        get(client, "/fhir/Observation", ward_token, patient=episode.patient_id, category=category)
    )
    assert len(lab_ids(found)) == labs_found
    assert len(found) - labs_found == vitals


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("1988-5", {"crp"}),
        (f"{LOINC}|718-7", {"hb"}),
        ("1988-5,718-7", {"crp", "hb"}),
        ("http://snomed.info/sct|1988-5", set()),  # a LOINC code under another system
        ("8867-4", set()),  # a vital sign: pulses only
        ("9999-9", set()),
    ],
)
def test_code_finds_lab_results_by_loinc(client, ward_token, labs, code, expected):
    episode, _results = labs
    found = entries(
        get(client, "/fhir/Observation", ward_token, patient=episode.patient_id, code=code)
    )
    names = {r["code"]["text"].lower() for r in found if r["id"].startswith("lab-")}
    assert names == expected
    if code == "8867-4":
        assert [r["code"]["coding"][0]["code"] for r in found] == ["8867-4", "8867-4"]
    if code == "1988-5":
        assert len(lab_ids(found)) == 2


def test_date_last_updated_status_and_encounter_filter_lab_results(client, ward_token, labs):
    episode, (tie, crp, hb) = labs
    search = {"patient": episode.patient_id, "category": "laboratory"}

    def found(**params):
        return lab_ids(entries(get(client, "/fhir/Observation", ward_token, **search, **params)))

    assert found(date=f"gt{crp.taken_at.isoformat()}") == [f"lab-{hb.pk}"]
    assert found(date=f"le{crp.taken_at.isoformat()}") == [f"lab-{crp.pk}", f"lab-{tie.pk}"]
    assert found(date=f"eq{tie.taken_at.isoformat()}") == [f"lab-{tie.pk}"]
    # _lastUpdated is when Hemma received it (meta.lastUpdated).
    LabResult.objects.filter(pk=tie.pk).update(created_at=timezone.now() - timedelta(days=3))
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert found(_lastUpdated=f"ge{yesterday}") == [f"lab-{hb.pk}", f"lab-{crp.pk}"]
    assert found(_lastUpdated=f"lt{yesterday}") == [f"lab-{tie.pk}"]
    assert len(found(status="final")) == 3
    assert found(status="cancelled") == []
    assert len(found(encounter=f"Encounter/{episode.pk}")) == 3
    assert found(encounter="Encounter/999999") == []


@pytest.mark.parametrize("page_size", [1, 2, 3, 5, 7])
def test_paging_across_both_sources_neither_repeats_nor_skips(client, ward_token, labs, page_size):
    episode, _results = labs
    whole = [
        r["id"]
        for r in entries(get(client, "/fhir/Observation", ward_token, patient=episode.patient_id))
    ]
    seen, url, params = [], "/fhir/Observation", {"patient": episode.patient_id}
    params["_count"] = str(page_size)
    for _page in range(20):
        bundle = valid_r4(get(client, url, ward_token, **params).json())
        page = [e["resource"]["id"] for e in bundle.get("entry", [])]
        assert len(page) <= page_size
        seen += page
        following = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        if not following:
            break
        url, params = following[0].removeprefix("http://testserver"), {}
    assert seen == whole and len(set(seen)) == 12


def test_a_lab_result_arriving_while_paging_does_not_shift_the_pages(
    client, ward_token, labs, ward_nurse
):
    episode, (tie, _crp, _hb) = labs
    first = valid_r4(
        get(client, "/fhir/Observation", ward_token, patient=episode.patient_id, _count=4).json()
    )
    shown = [e["resource"]["id"] for e in first["entry"]]
    newer = lab(episode, ward_nurse, "crp", "20", timezone.now() - timedelta(minutes=1))
    url = next(link["url"] for link in first["link"] if link["relation"] == "next")
    rest = []
    while url:
        bundle = valid_r4(get(client, url.removeprefix("http://testserver"), ward_token).json())
        rest += [e["resource"]["id"] for e in bundle.get("entry", [])]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    assert f"lab-{newer.pk}" not in shown + rest
    assert len(shown + rest) == len(set(shown + rest)) == 12


@pytest.mark.parametrize(
    "cursor",
    [
        encode_cursor("2026-11-30T10:00:00+00:00", "x", 1, 0),  # unknown source
        encode_cursor("2026-11-30T10:00:00", "l", 1, 0),  # no time zone
        encode_cursor("2026-11-30T10:00:00+00:00", 5, 0),  # the earlier three-part form
        encode_cursor("yesterday", "s", 1, 0),
    ],
)
def test_a_damaged_cursor_is_a_400(client, ward_token, labs, cursor):
    response = get(client, "/fhir/Observation", ward_token, _cursor=cursor)
    assert response.status_code == 400
    assert valid_r4(response.json())["issue"][0]["expression"] == ["_cursor"]


def test_search_statements_do_not_grow_with_the_page(client, ward_token, labs, settings):
    settings.HEMMA_ACCESS_LOG_REPEAT_MINUTES = 0  # every search writes its entries
    episode, _results = labs

    def statements(**params):
        with CaptureQueriesContext(connection) as captured:
            assert get(client, "/fhir/Observation", ward_token, **params).status_code == 200
        return len(captured)

    patient = {"patient": episode.patient_id}
    # token, episodes (or, without patient=, after the rows), blocks, sets, labs, the log
    assert statements(_count="2") == statements(_count="12") == 6
    assert statements(_count="2", **patient) == statements(_count="12", **patient) == 6
    # A search only one source can answer reads only that source.
    assert statements(category="vital-signs", **patient) == 5
    assert statements(category="laboratory", **patient) == 5
    assert statements(code="1988-5", **patient) == 5


def test_read_after_search_and_history_of_a_lab_result(client, ward_token, labs):
    episode, _results = labs
    found = entries(
        get(
            client,
            "/fhir/Observation",
            ward_token,
            patient=episode.patient_id,
            category="laboratory",
        )
    )
    for resource in found:
        read = get(client, f"/fhir/Observation/{resource['id']}", ward_token)
        assert read.status_code == 200
        assert read.json() == resource
        history = valid_r4(
            get(client, f"/fhir/Observation/{resource['id']}/_history", ward_token).json()
        )
        assert history["entry"][0]["resource"] == resource
        version = resource["meta"]["versionId"]
        vread = get(client, f"/fhir/Observation/{resource['id']}/_history/{version}", ward_token)
        assert vread.json() == resource


def test_everything_has_the_lab_results_and_the_right_total(client, ward_token, labs):
    episode, results = labs
    bundle = valid_r4(
        get(client, f"/fhir/Patient/{episode.patient_id}/$everything", ward_token).json()
    )
    found = [e["resource"] for e in bundle["entry"]]
    assert bundle["total"] == len(found)
    assert sorted(lab_ids(found)) == sorted(f"lab-{r.pk}" for r in results)
    assert sum(1 for r in found if r["resourceType"] == "Observation") == 9 + 3


def test_included_encounter_and_patient_for_lab_results(client, ward_token, labs):
    episode, _results = labs
    bundle = valid_r4(
        get(
            client,
            "/fhir/Observation",
            ward_token,
            category="laboratory",
            _include=["Observation:encounter", "Observation:patient"],
        ).json()
    )
    included = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "include"]
    assert sorted((r["resourceType"], r["id"]) for r in included) == [
        ("Encounter", str(episode.pk)),
        ("Patient", str(episode.patient_id)),
    ]


def test_the_bundles_with_lab_results_are_valid_r4_by_the_independent_validator(
    client, ward_token, labs
):
    episode, (tie, _crp, _hb) = labs
    patient = episode.patient_id
    answers = [
        get(client, "/fhir/Observation", ward_token, patient=patient).json(),
        get(client, "/fhir/Observation", ward_token, patient=patient, _count=4).json(),
        get(client, "/fhir/Observation", ward_token, category="laboratory", code="1988-5").json(),
        get(
            client,
            "/fhir/Observation",
            ward_token,
            patient=patient,
            _include="Observation:encounter",
        ).json(),
        get(client, f"/fhir/Patient/{patient}/$everything", ward_token).json(),
        get(client, f"/fhir/Observation/lab-{tie.pk}", ward_token).json(),
        get(client, f"/fhir/Observation/lab-{tie.pk}/_history", ward_token).json(),
    ]
    assert any(e["resource"]["id"].startswith("lab-") for e in answers[0]["entry"]), (
        "no lab result to validate"
    )
    results = validate(answers)
    failures = [f"{r['index']}: {problem}" for r in results for problem in errors(r)]
    assert not failures, "\n".join(failures)
