"""Versions of the resources Hemma serves, pure Python.

The agreement (CarePlan) and the episode (Encounter) keep numbered versions in the
database. Every other resource is versioned by its content: `meta.versionId` is a short
hash of the resource without its `meta`, so it changes exactly when what a client reads
changes. That is what `ETag` carries and what `If-Match` is compared with; only the
current version of these resources is kept, so `_history` lists that one."""

import hashlib
import json

# Resources that are containers or answers, not versioned records.
_UNVERSIONED = {"Bundle", "OperationOutcome", "CapabilityStatement"}


def content_version(resource: dict) -> str:
    """16 hex digits of SHA-256 over the resource without `meta` (the renderers build
    their dicts in a fixed key order, so the same content gives the same text)."""
    text = json.dumps({k: v for k, v in resource.items() if k != "meta"}, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def versioned(resource: dict) -> dict:
    """The resource with `meta.versionId` set (kept when it has one of its own)."""
    if resource.get("resourceType") in _UNVERSIONED or "id" not in resource:
        return resource
    meta = resource.get("meta") or {}
    if "versionId" in meta:
        return resource
    return {**resource, "meta": {"versionId": content_version(resource), **meta}}


def if_match_version(header: str | None) -> str | None:
    """The version an If-Match header names (`W/"3"`, `"3"`); None when absent or `*`
    (any version). A value that is not an entity tag is returned as it is, so it
    matches nothing."""
    if header is None or header.strip() == "*":
        return None
    text = header.strip().removeprefix("W/")
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text
