"""Registering system clients and issuing their access tokens (SMART Backend Services).

The token request (RFC 6749 client credentials, authenticated by an RFC 7523 JWT client
assertion as SMART Backend Services profiles it) is checked in this order: the grant type,
the assertion type, the client named by `iss` (= `sub`), the signature against the
client's registered keys (RS384 or ES384), the audience (this token endpoint), the expiry
(at most five minutes ahead), the `jti` (never seen before), then the scopes asked for
(each one registered for the client). An access token lives ACCESS_TOKEN_SECONDS and
only its hash is stored."""

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from hemma.accounts.models import AdministrationLogEntry, Membership, Staff, Unit
from hemma.audit.models import AccessLogEntry
from hemma.carerequests import services as care_requests
from hemma.carerequests.models import CareRequest
from hemma.carerequests.services import care_request_send
from hemma.episodes.selectors import get_episode_for_user
from hemma.errors import Conflict, HemmaError, NotAllowed

from . import case_resources, versions
from . import scopes as smart_scopes
from .models import AccessToken, SystemClient, UsedAssertion

ACCESS_TOKEN_SECONDS = 300
ASSERTION_MAX_SECONDS = 300  # SMART: exp no more than five minutes in the future
ALGORITHMS = ["RS384", "ES384"]
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class TokenError(Exception):
    """An OAuth 2.0 error answer: `code` is the RFC 6749 error, `status` the HTTP status."""

    def __init__(self, code: str, description: str, status: int = 400):
        super().__init__(description)
        self.code, self.description, self.status = code, description, status


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _validated_jwks(jwks) -> dict:
    """A JWKS with at least one public key: refuse private keys, so a registry leak
    cannot sign assertions."""
    try:
        key_set = KeySet.import_key_set(jwks)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise ValueError(f"not a usable JWKS: {error}") from error
    if not key_set.keys:
        raise ValueError("the JWKS has no keys")
    if any(key.is_private for key in key_set.keys):
        raise ValueError("register public keys only (the JWKS holds a private key)")
    return jwks


@transaction.atomic
def system_client_register(
    *, client_id: str, name: str, unit: Unit, jwks: dict, scopes: str, log_review: bool = False
) -> SystemClient:
    """A new system client of `unit`, with its own staff profile (no password, cannot log
    in) holding a membership in the unit, so the access policy applies to it unchanged.
    `log_review`: the membership is a log reviewer's – it reads the organisation's access
    log (AuditEvent) and no patient record."""
    if not client_id or len(client_id) > 100 or not client_id.isascii() or " " in client_id:
        raise ValueError("client_id: 1–100 ASCII characters without spaces")
    if SystemClient.objects.filter(client_id=client_id).exists():
        raise ValueError(f"a client {client_id!r} is already registered")
    try:
        smart_scopes.parse(scopes)
    except smart_scopes.ScopeError as error:
        raise ValueError(str(error)) from error
    jwks = _validated_jwks(jwks)
    user = get_user_model().objects.create(
        username=f"system:{client_id}"[:150], first_name=name[:150], last_name=""
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    organisation_hsa = unit.hsa_id.split("-")[0]
    staff = Staff.objects.create(
        user=user,
        profession=Staff.Profession.SYSTEM,
        hsa_id=f"{organisation_hsa}-SYS{hashlib.sha256(client_id.encode()).hexdigest()[:12]}",
    )
    role = Membership.Role.LOG_REVIEWER if log_review else Membership.Role.MEMBER
    Membership.objects.create(staff=staff, unit=unit, role=role)
    client = SystemClient.objects.create(
        client_id=client_id, name=name, unit=unit, staff=staff, jwks=jwks, scopes=scopes
    )
    AdministrationLogEntry.objects.create(
        actor=None,
        actor_display="hemma fhir_client (driftansvarig)",
        organisation_id=unit.organisation_id,
        target=staff,
        target_display=f"{name} ({staff.hsa_id})"[:200],
        action=AdministrationLogEntry.Action.STAFF_CREATED,
        detail=f"systemklient {client_id} för {unit.name} ({role}): {scopes}"[:500],
    )
    return client


@transaction.atomic
def system_client_deactivate(*, client_id: str) -> SystemClient:
    """No new tokens, and the issued ones stop working at once."""
    client = SystemClient.objects.select_for_update().get(client_id=client_id)
    client.active = False
    client.save(update_fields=["active"])
    AccessToken.objects.filter(client=client).delete()
    AdministrationLogEntry.objects.create(
        actor=None,
        actor_display="hemma fhir_client (driftansvarig)",
        organisation_id=client.unit.organisation_id,
        target=client.staff,
        target_display=f"{client.name} ({client.staff.hsa_id})"[:200],
        action=AdministrationLogEntry.Action.STAFF_DEACTIVATED,
        detail=f"systemklient {client_id} avstängd",
    )
    return client


def _client_of(assertion: str) -> SystemClient:
    """The client the assertion names in `iss`: read before the signature is checked,
    only to find whose registered keys check it."""
    try:
        claims = json.loads(jws.extract_compact(assertion.encode()).payload)
    except (JoseError, ValueError, TypeError) as error:
        raise TokenError("invalid_client", "the client assertion is not a JWT", 401) from error
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    if not isinstance(issuer, str) or claims.get("sub") != issuer:
        raise TokenError("invalid_client", "the assertion's iss and sub must be the client_id", 401)
    client = SystemClient.objects.filter(client_id=issuer, active=True).first()
    if client is None:
        raise TokenError("invalid_client", "unknown or deactivated client", 401)
    return client


def _verified_claims(client: SystemClient, assertion: str, token_url: str) -> dict:
    try:
        token = jwt.decode(assertion, KeySet.import_key_set(client.jwks), algorithms=ALGORITHMS)
    except JoseError as error:
        raise TokenError(
            "invalid_client", f"the assertion's signature does not verify: {error.error}", 401
        ) from error
    claims = token.claims
    registry = jwt.JWTClaimsRegistry(
        aud={"essential": True, "value": token_url},
        exp={"essential": True},
        jti={"essential": True},
    )
    try:
        registry.validate(claims)
    except JoseError as error:
        raise TokenError("invalid_client", f"assertion claims: {error.description}", 401) from error
    expires = claims["exp"]
    now = timezone.now().timestamp()
    if not isinstance(expires, int | float) or expires > now + ASSERTION_MAX_SECONDS + 30:
        raise TokenError("invalid_client", "the assertion's exp is more than 5 minutes ahead", 401)
    if not isinstance(claims["jti"], str) or not 0 < len(claims["jti"]) <= 255:
        raise TokenError("invalid_client", "the assertion's jti must be a string", 401)
    return claims


def _granted_scopes(client: SystemClient, asked: str) -> str:
    if not asked.strip():
        raise TokenError("invalid_scope", "ask for scopes, e.g. scope=system/Observation.read")
    try:
        requested = smart_scopes.parse(asked)
    except smart_scopes.ScopeError as error:
        raise TokenError("invalid_scope", str(error)) from error
    refused = sorted(requested - client.allowed_scopes)
    if refused:
        raise TokenError("invalid_scope", f"not registered for this client: {' '.join(refused)}")
    return " ".join(sorted(requested))


def system_token_issue(*, form, token_url: str) -> IssuedToken:
    """Answer a token request (the POSTed form) or raise TokenError."""
    if form.get("grant_type") != "client_credentials":
        raise TokenError("unsupported_grant_type", "grant_type must be client_credentials")
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise TokenError("invalid_request", f"client_assertion_type must be {ASSERTION_TYPE}")
    assertion = form.get("client_assertion") or ""
    if not assertion or len(assertion) > 8192:
        raise TokenError("invalid_request", "client_assertion (a signed JWT) is required")
    client = _client_of(assertion)
    claims = _verified_claims(client, assertion, token_url)
    scope = _granted_scopes(client, form.get("scope") or "")
    with transaction.atomic():
        UsedAssertion.objects.filter(expires_at__lt=timezone.now()).delete()
        try:
            with transaction.atomic():
                UsedAssertion.objects.create(
                    client=client,
                    jti=claims["jti"],
                    expires_at=datetime.fromtimestamp(claims["exp"], tz=UTC),
                )
        except IntegrityError as error:
            raise TokenError(
                "invalid_client", "this assertion (jti) was already used", 401
            ) from error
        raw = secrets.token_urlsafe(32)
        AccessToken.objects.create(
            client=client,
            token_hash=_hash(raw),
            scopes=scope,
            expires_at=timezone.now() + timedelta(seconds=ACCESS_TOKEN_SECONDS),
        )
    return IssuedToken(raw, ACCESS_TOKEN_SECONDS, scope)


def system_token_authenticate(raw: str | None) -> AccessToken | None:
    """The valid access token for a bearer string, with its client, staff and unit."""
    if not raw or len(raw) > 200:
        return None
    return (
        AccessToken.objects.valid()
        .select_related("client__unit__organisation", "client__staff__user")
        .filter(token_hash=_hash(raw))
        .first()
    )


def service_request_create(*, caller, draft):
    """A care request from the ward's system, through carerequests' own service: the client
    must read the episode (policy, logged), the episode must be the subject's, and the
    service decides the rest (the owning ward sends; consent and agreement first)."""
    access = get_episode_for_user(
        staff=caller.staff,
        acting_unit=caller.unit,
        episode_id=draft.episode_id,
        action=AccessLogEntry.Action.API_READ,
        detail=f"FHIR ServiceRequest create, Encounter/{draft.episode_id}",
        health_record=True,
    )
    episode = access.episode
    if episode.patient_id != draft.patient_id:
        raise HemmaError("the encounter is not the subject's episode")
    to_unit = Unit.objects.filter(hsa_id=draft.to_unit_hsa_id).first()
    if to_unit is None:
        raise HemmaError(f"no unit with HSA-id {draft.to_unit_hsa_id}")
    return care_request_send(
        staff=caller.staff,
        unit=caller.unit,
        episode=episode,
        kind=draft.kind,
        to_unit=to_unit,
        reason=draft.reason,
        start_at=draft.start_at,
        interventions=draft.interventions,
        medications=list(draft.medications),
    )


class PreconditionFailed(HemmaError):
    """If-Match named another version than the current one (412)."""


def _current_task(care_request_id: int) -> tuple[CareRequest, dict]:
    care_request = (
        CareRequest.objects.select_for_update()
        .select_related("episode__patient", "from_unit", "to_unit")
        .get(pk=care_request_id)
    )
    messages = list(care_request.messages.order_by("at", "pk"))
    return care_request, case_resources.task(care_request, care_request.episode.patient, messages)


def task_update(*, caller, care_request_id: int, change, if_match: str | None) -> None:
    """A Task PUT by the receiving or the sending unit's system, as the same service calls
    its staff make on the care-request page (their checks: receiver or sender, member,
    an open request). The client must already have read the Task (policy, logged). The
    row is locked first, so If-Match is compared with the version the change applies to;
    a PUT of the status the Task already has changes nothing."""
    staff, unit = caller.staff, caller.unit
    with transaction.atomic():
        care_request, current = _current_task(care_request_id)
        if if_match is not None and if_match != versions.content_version(current):
            raise PreconditionFailed(
                "the Task has changed since that version: read it again (If-Match)"
            )
        now = current["status"]
        if change.status == now:
            return
        if now == "on-hold" and change.status in ("requested", "received"):
            if not change.text:
                raise HemmaError("statusReason.text (the answer to the question) is required")
            care_requests.care_request_answer(
                staff=staff, unit=unit, care_request=care_request, answer=change.text
            )
        elif change.status == "received":
            if unit.pk != care_request.to_unit_id:
                raise NotAllowed("only the receiving unit marks a care request as read")
            if now != "requested":
                raise Conflict(f"a {now} Task cannot become received")
            care_requests.care_request_mark_read(staff=staff, unit=unit, care_request=care_request)
        elif change.status == "accepted":
            care_requests.care_request_accept(staff=staff, unit=unit, care_request=care_request)
        elif change.status == "rejected":
            care_requests.care_request_decline(
                staff=staff, unit=unit, care_request=care_request, reason=change.text
            )
        elif change.status == "on-hold":
            care_requests.care_request_ask(
                staff=staff, unit=unit, care_request=care_request, question=change.text
            )
        elif change.status == "cancelled":
            care_requests.care_request_withdraw(
                staff=staff, unit=unit, care_request=care_request, reason=change.text
            )
        else:  # back to requested without a question to answer
            raise Conflict(f"a {now} Task cannot go back to requested")
