"""FHIR R4 on the wire, for the vital-signs ingestion: the body read as JSON within the
limits, the strings and element names checked, fhir.resources' validation errors and every
other problem as OperationOutcome issues (code, diagnostics, FHIRPath expression), and
the one conditional-create search Hemma supports. Pure Python, no Django.

The vital-signs profile (an Observation → Hemma's values) is fhir_observation.py; batch and
transaction Bundles are fhir_bundle.py.
"""

import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qs

from pydantic import ValidationError

# Input limits: a hostile or broken body is refused before anything is stored.
MAX_DEPTH = 64  # nesting of JSON arrays and objects
MAX_BUNDLE_ENTRIES = 1000
MAX_ISSUES = 20  # per resource: enough to fix a message, not a flood
IDENTIFIER_SYSTEM_MAX = 255  # = FhirIdentifier.system.max_length
IDENTIFIER_VALUE_MAX = 255  # = FhirIdentifier.value.max_length

# A FHIR JSON name: `status`, or `_status` for its extensions. The library also takes its
# Python names (`fhir_comments`, `status__ext`, `resource_type`), which are not FHIR.
_ELEMENT_NAME = re.compile(r"_?[A-Za-z][A-Za-z0-9]*")


@dataclass
class Issue:
    code: str  # FHIR issue-type: structure, invalid, required, value, code-invalid, …
    diagnostics: str
    expression: str

    def as_fhir(self) -> dict:
        issue = {"severity": "error", "code": self.code, "diagnostics": self.diagnostics}
        if self.expression:  # FHIR has no empty strings: no expression, no element
            issue["expression"] = [self.expression]
        return issue


class BodyError(ValueError):
    """The body cannot be read as JSON within the limits; the message says why."""


def _no_constant(name: str):
    raise BodyError(f"{name} is not a JSON number")


def load_json(body: bytes):
    """The body as JSON, or BodyError: not UTF-8 JSON, NaN/Infinity (not JSON), or nested
    deeper than MAX_DEPTH. The json module recurses and raises RecursionError on very deep
    input; that is caught, and any depth it does parse is measured without recursion."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError("the body is not UTF-8") from None
    try:
        payload = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise BodyError(f"the JSON is nested deeper than {MAX_DEPTH} levels") from None
    except BodyError:
        raise
    except ValueError:
        raise BodyError("the body is not valid JSON") from None
    stack = [(payload, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                raise BodyError(f"the JSON is nested deeper than {MAX_DEPTH} levels")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return payload


_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def bad_character(text: str) -> str | None:
    found = _BAD_CHARACTER.search(text)
    if found is None:
        return None
    code = ord(found.group())
    if 0xD800 <= code <= 0xDFFF:
        return "a lone surrogate"
    return f"the control character U+{code:04X}"


def walk(payload, root: str):
    """(node, FHIRPath) of every key's value and list item, without recursion."""
    stack = [(payload, root)]
    while stack:
        node, path = stack.pop()
        yield node, path
        if isinstance(node, dict):
            stack.extend((v, f"{path}.{k}" if path else k) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(node))


def string_issues(payload, body: bytes | None = None) -> list[Issue]:
    """FHIR strings hold no control characters but tab, CR and LF, and must be valid
    Unicode (no lone surrogate): checked in every key and value, without recursion. Given
    the raw `body`, a body without a \\u escape is passed at once: strict JSON admits a
    control character or a surrogate in a string only as an escape, and UTF-8 none."""
    if body is not None and b"\\u" not in body:
        return []
    issues: list[Issue] = []
    root = payload.get("resourceType") if isinstance(payload, dict) else None
    stack = [(payload, root if isinstance(root, str) and not bad_character(root) else "")]
    while stack and len(issues) < 10:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                problem = bad_character(key)
                if problem:
                    issues.append(Issue("invalid", f"a key contains {problem}", path))
                    continue
                stack.append((value, f"{path}.{key}" if path else key))
        elif isinstance(node, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(node))
        elif isinstance(node, str):
            problem = bad_character(node)
            if problem:
                issues.append(Issue("invalid", f"the string contains {problem}", path))
    return issues


def element_name_issues(payload, root: str) -> list[Issue]:
    """Keys that are no FHIR element name (the library accepts its own Python names) and
    elements that are null (FHIR JSON leaves an absent element out; the library would
    take null as absent)."""
    issues = []
    for node, path in walk(payload, root):
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if not _ELEMENT_NAME.fullmatch(key):
                issues.append(Issue("structure", f"unknown element '{key}'", f"{path}.{key}"))
            elif value is None:
                text = "null is not a FHIR value: leave the element out"
                issues.append(Issue("structure", text, f"{path}.{key}"))
    return issues[:MAX_ISSUES]


def operation_outcome(issues: list[Issue]) -> dict:
    return {"resourceType": "OperationOutcome", "issue": [issue.as_fhir() for issue in issues]}


_OBJECT = "must be a JSON object"
_TYPE_MESSAGES = {
    "list_type": "must be a JSON array",
    "string_type": "must be a JSON string",
    "bool_type": "must be true or false",
    "json_invalid": _OBJECT,  # a string where a complex type belongs
    "model_validation_format": _OBJECT,
    "model_type": _OBJECT,
    "dict_type": _OBJECT,
}


def validation_issues(error: ValidationError, root: str) -> list[Issue]:
    """The library's errors as issues: `structure` (unknown element, wrong JSON type),
    `required`, `value` (a malformed primitive) or `invalid`, each with its path."""
    issues = []
    for detail in error.errors(include_url=False)[:MAX_ISSUES]:
        path = root
        for part in detail["loc"]:
            if isinstance(part, int):
                path += f"[{part}]"
            elif part == "resource_type":
                path += ".resourceType"
            elif part != "root":  # pydantic's wrapper of a complex type
                path += f".{part}"
        kind, message = detail["type"], detail["msg"]
        if kind == "extra_forbidden":
            issue = Issue("structure", "unknown element (not in FHIR R4)", path)
        elif kind.endswith("missing"):
            issue = Issue("required", "a required element is missing", path)
        elif "None is not allowed" in message:
            issue = Issue("structure", "null is not allowed in this array", path)
        elif kind in _TYPE_MESSAGES:
            issue = Issue("structure", _TYPE_MESSAGES[kind], path)
        elif "Any of one field value" in message:  # two choices of one element[x]
            text = message.removeprefix("Value error, ").replace("Any of one", "Only one")
            issue = Issue("invalid", text, path)
        elif "DateTime value" in message or kind.startswith(("datetime", "date")):
            text = "not a FHIR dateTime: YYYY-MM-DDThh:mm:ss with a time zone (Z or +hh:mm)"
            issue = Issue("value", text, path)
        elif "Decimal" in message or kind.startswith("decimal"):
            issue = Issue("value", "must be a finite JSON number", path)
        elif kind.startswith("string_") or "spec regex" in message:
            issue = Issue("value", f"malformed value: {message}", path)
        else:
            issue = Issue("invalid", message.split("\n")[0].replace("``", "'"), path)
        issues.append(issue)
    return issues


def parse_if_none_exist(text, path: str) -> tuple[tuple[str, str] | None, list[Issue]]:
    """A conditional create's search, `identifier=system|value` (URL-encoded as in a FHIR
    search); the one search Hemma supports for it."""
    if not isinstance(text, str) or not text:
        return None, [Issue("invalid", "ifNoneExist must be a search string", path)]
    try:
        query = parse_qs(text.removeprefix("?"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return None, [Issue("invalid", "If-None-Exist is not UTF-8 when decoded", path)]
    tokens = query.get("identifier", [])
    unsupported = [
        Issue("not-supported", "If-None-Exist supports identifier=system|value only", path)
    ]
    if set(query) != {"identifier"} or len(tokens) != 1 or "|" not in tokens[0]:
        return None, unsupported
    system, _bar, value = tokens[0].partition("|")
    if not system or not value:
        return None, unsupported
    for text, limit in ((system, IDENTIFIER_SYSTEM_MAX), (value, IDENTIFIER_VALUE_MAX)):
        problem = bad_character(text)
        if problem or len(text) > limit:
            reason = problem or f"more than {limit} characters"
            return None, [Issue("invalid", f"the identifier in If-None-Exist has {reason}", path)]
    return (system, value), []
