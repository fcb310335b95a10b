"""SMART on FHIR system scopes, pure Python.

`system/<Resource|*>.<permissions>`: SMART v1's `read`, `write` and `*`, and v2's letters
(`c` create, `r` read, `u` update, `d` delete, `s` search). Hemma asks `read` (read,
vread, search) or `write` (create, update) of a resource type."""

import re

_SCOPE = re.compile(
    r"^system/(?P<resource>\*|[A-Z][A-Za-z]+)\.(?P<permissions>read|write|\*|c?r?u?d?s?)$"
)
_V1 = {"read": {"read"}, "write": {"write"}, "*": {"read", "write"}}


class ScopeError(ValueError):
    """A scope string Hemma does not understand; the message names it."""


def parse(scope_text: str) -> set[str]:
    """A space-separated scope parameter → its scopes; every scope must be a system scope."""
    scopes = set(scope_text.split())
    for scope in scopes:
        match = _SCOPE.match(scope)
        if match is None or not match["permissions"]:
            raise ScopeError(f"unsupported scope {scope!r}: expected system/<Resource>.read|write")
    return scopes


def _interactions(permissions: str) -> set[str]:
    if permissions in _V1:
        return _V1[permissions]
    granted = set()
    if {"r", "s"} & set(permissions):
        granted.add("read")
    if {"c", "u"} & set(permissions):
        granted.add("write")
    return granted


def permits(scopes: set[str], resource: str, interaction: str) -> bool:
    """Do these (valid) scopes allow `interaction` ('read' or 'write') on `resource`?"""
    for scope in scopes:
        match = _SCOPE.match(scope)
        if match is None:
            continue
        if match["resource"] in ("*", resource) and interaction in _interactions(
            match["permissions"]
        ):
            return True
    return False
