"""FHIR R4 batch and transaction Bundles of vital-signs Observations. Pure Python, no
Django.

The Bundle's own shape is validated by fhir.resources' R4B Bundle with the resources
taken out; each resource is checked as an Observation (fhir_observation.py), so every
problem belongs either to the Bundle (the request fails whole) or to one entry. An entry
must create an Observation: `request.method` POST, `request.url` Observation (an entry
without `request` is taken as that), optionally `request.ifNoneExist`. `fullUrl` is
accepted (unique within the Bundle); the Observations do not reference each other.

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

PROCESSED_TYPES = ("batch", "transaction")
_ENTRY_PATH = re.compile(r"Bundle\.entry\[(\d+)\]")


@dataclass
class Entry:
    index: int
    observation: ParsedObservation | None  # None when the entry has issues
    issues: list[Issue] = field(default_factory=list)


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
    parsed, full_urls = [], {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):  # the model lets a null entry through
            by_entry[index] = [
                Issue("structure", "must be a JSON object", f"Bundle.entry[{index}]")
            ]
        if index in by_entry:
            parsed.append(Entry(index, None, by_entry[index]))
            continue
        observation, problems = _entry(entry, index, full_urls)
        parsed.append(Entry(index, observation, problems))
    return ParsedBundle(payload["type"], parsed), []


def _entry(entry: dict, index: int, full_urls: dict) -> tuple[ParsedObservation | None, list]:
    """One entry whose shape the Bundle model accepted: its request and its Observation."""
    path = f"Bundle.entry[{index}]"
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
    elif request.get("url", "Observation").split("/")[-1] != "Observation":
        text = "request.url must be Observation: only Observations are created here"
        issues.append(Issue("not-supported", text, f"{path}.request.url"))
    elif "ifNoneExist" in request:
        condition, more = parse_if_none_exist(request["ifNoneExist"], f"{path}.request.ifNoneExist")
        issues += more
    resource = entry.get("resource")
    if resource is None:
        issues.append(Issue("required", "resource (the Observation) is required", path))
    else:
        observation, more = parse_observation(resource, f"{path}.resource")
        issues += more
    if issues:
        return None, issues
    observation.index, observation.if_none_exist = index, condition
    return observation, []


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
