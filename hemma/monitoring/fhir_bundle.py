"""FHIR R4 batch and transaction Bundles of vital-signs Observations. Pure Python, no
Django.

The Bundle's own shape is validated by fhir.resources' R4B Bundle with the resources
taken out; each resource is checked as an Observation (fhir_observation.py), so every
problem belongs either to the Bundle (the request fails whole) or to one entry. An entry
creates an Observation: `request.method` POST, `request.url` Observation (an entry
without `request` is taken as that), optionally `request.ifNoneExist`. `fullUrl` is
accepted (unique within the Bundle). A Patient or a Device entry (as a gateway following
the Personal Health Device IG sends them) is matched, not created, and `urn:uuid`
references between the entries are resolved (fhir_references.py).

- batch: entries are independent; a bad entry gets its own response (`400 Bad Request`
  and an OperationOutcome), the others are stored. The answer is a `batch-response`.
- transaction: all or nothing; one bad entry fails the request and nothing is stored.
  The answer is a `transaction-response`.
Both list one response per entry, in the order sent. Only these two types are processed.
"""

import re
from dataclasses import dataclass, field

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from .fhir import (
    MAX_BUNDLE_ENTRIES,
    Issue,
    element_name_issues,
    operation_outcome,
    parse_if_none_exist,
    validation_issues,
)
from .fhir_observation import ParsedObservation, parse_observation
from .fhir_references import (
    RESOLVED_TYPES,
    entry_targets,
    parse_resolved,
    personal_number,
    resolve,
)

PROCESSED_TYPES = ("batch", "transaction")
_ENTRY_PATH = re.compile(r"Bundle\.entry\[(\d+)\]")


@dataclass
class Entry:
    index: int
    observation: ParsedObservation | None  # None when the entry has issues or is no Observation
    issues: list[Issue] = field(default_factory=list)
    resource_type: str = "Observation"  # or Patient / Device: matched, not created
    personal_number: str | None = None  # a Patient entry's


@dataclass
class ParsedBundle:
    type: str  # batch or transaction
    entries: list[Entry]

    @property
    def all_or_nothing(self) -> bool:
        return self.type == "transaction"


def _shell(entries: list) -> list:
    """The entries without their resources, for the Bundle model to check."""
    return [
        {k: v for k, v in entry.items() if k != "resource"} if isinstance(entry, dict) else entry
        for entry in entries
    ]


def parse_bundle(payload: dict) -> tuple[ParsedBundle | None, list[Issue]]:
    """A Bundle → its entries, each with its Observation or its issues; or the issues of the
    Bundle itself (its type, its entry list, its own elements), which fail it whole."""
    if payload.get("type") not in PROCESSED_TYPES:
        text = "Bundle.type must be batch or transaction: only those are processed"
        return None, [Issue("value", text, "Bundle.type")]
    entries = payload.get("entry")
    if not isinstance(entries, list) or not entries:
        return None, [Issue("required", "Bundle.entry must list the Observations", "Bundle.entry")]
    if len(entries) > MAX_BUNDLE_ENTRIES:
        text = f"at most {MAX_BUNDLE_ENTRIES} entries per Bundle"
        return None, [Issue("too-costly", text, "Bundle.entry")]
    shell = {**payload, "entry": _shell(entries)}
    issues = element_name_issues(shell, "Bundle")
    if not issues:
        try:
            Bundle.model_validate(shell)
        except ValidationError as error:
            issues = validation_issues(error, "Bundle")
    by_entry: dict[int, list[Issue]] = {}
    for issue in issues:
        match = _ENTRY_PATH.match(issue.expression)
        if match is None:
            return None, [i for i in issues if not _ENTRY_PATH.match(i.expression)]
        by_entry.setdefault(int(match[1]), []).append(issue)
    parsed, full_urls, targets = [], {}, entry_targets(entries)
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):  # the model lets a null entry through
            by_entry[index] = [
                Issue("structure", "must be a JSON object", f"Bundle.entry[{index}]")
            ]
        if index in by_entry:
            parsed.append(Entry(index, None, by_entry[index]))
            continue
        parsed.append(_entry(entry, index, full_urls, targets))
    return ParsedBundle(payload["type"], parsed), []


def _entry(entry: dict, index: int, full_urls: dict, targets: dict) -> Entry:
    """One entry whose shape the Bundle model accepted: its request and its resource."""
    path = f"Bundle.entry[{index}]"
    resource = entry.get("resource")
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    kind = kind if kind in RESOLVED_TYPES else "Observation"
    issues: list[Issue] = []
    full_url = entry.get("fullUrl")
    if full_url is not None:
        if full_url in full_urls:
            text = f"fullUrl is also entry {full_urls[full_url]}'s: it must be unique"
            issues.append(Issue("invalid", text, f"{path}.fullUrl"))
        full_urls.setdefault(full_url, index)
    request = entry.get("request") or {}
    condition = None
    if request.get("method", "POST") != "POST":
        text = "only POST (create) entries are processed: this entry is not stored"
        issues.append(Issue("not-supported", text, f"{path}.request.method"))
    elif str(request.get("url", kind)).split("?")[0].split("/")[-1] != kind:
        text = f"request.url must be {kind}: Observations are created, a Patient or Device matched"
        issues.append(Issue("not-supported", text, f"{path}.request.url"))
    elif "ifNoneExist" in request and kind == "Observation":
        condition, more = parse_if_none_exist(request["ifNoneExist"], f"{path}.request.ifNoneExist")
        issues += more
    if resource is None:
        issues.append(Issue("required", "resource (the Observation) is required", path))
        return Entry(index, None, issues)
    resource, more = resolve(resource, f"{path}.resource", targets)
    issues += more
    if kind != "Observation":
        issues += [] if issues else parse_resolved(resource, f"{path}.resource")
        number = personal_number(resource) if kind == "Patient" and not issues else None
        return Entry(index, None, issues, kind, number)
    if issues:
        return Entry(index, None, issues)
    observation, issues = parse_observation(resource, f"{path}.resource")
    if issues:
        return Entry(index, None, issues)
    observation.index, observation.if_none_exist = index, condition
    return Entry(index, observation)


def entry_response(status: str, *, location: str = "", issues: list[Issue] = ()) -> dict:
    """One response entry: a status, and a location or an OperationOutcome."""
    response: dict = {"status": status}
    if location:
        response["location"] = location
    if issues:
        response["outcome"] = operation_outcome(list(issues))
    return {"response": response}


def response_bundle(parsed: ParsedBundle, entries: list[dict]) -> dict:
    return {"resourceType": "Bundle", "type": f"{parsed.type}-response", "entry": entries}
