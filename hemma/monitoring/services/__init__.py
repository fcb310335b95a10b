"""Monitoring: record observation sets (NEWS2, personal thresholds, alerts), act on alerts,
escalate, enrol the patient's device, and record the digital round.

Every staff action asks the access policy first (`require_action` with the action's name
in `policy.EPISODE_ACTIONS`): the ward and the visiting team record readings, act on
alerts and enrol devices; the ward's physician sets the monitoring plan and decides at the
round. A crafted request meets the same refusal as a hidden button.

One module per use case; import from this package (`services.X`), which re-exports the
public names below – callers look names up here, so a test may monkeypatch `services.X`
for code outside the package (api.py calls `services.fhir_observations_store`).

    readings.py  one reading (`observation_record`, idempotent by client id) and
                 `readings_store`: set assembly (`_SetDraft`, `_place`), NewReading, Stored,
                 the resend check (`_resent`), the episode's row lock (`lock_monitored`)
    ingest.py    FHIR Observations from devices: `fhir_observations_store`, `fhir_content`
                 and the episode's own identifiers
    alerts.py    the alert a store raises (`alert_for`), the patient's concern next to it
                 (`concern_alerts_for`), `alert_acknowledge`, `alert_resolve`, and the
                 worker's `overdue_check` (the rule: hemma.clinical.monitoring_rules)
    escalation.py  the ward's duty roster and final step (`duty_roster_set`,
                 `escalation_final_set`, `duty_physician_set`, `chain_for`) and the
                 worker's `alerts_escalate` along it
    devices.py   the patient's device: `enrolment_issue`, `enrolment_claim` (the page's
                 token) and `device_for_token`; `enrolment_claim_api`,
                 `device_token_refresh` (a vendor's API token pair, `DeviceTokens`,
                 `InvalidGrant`) and `device_for_api_token`; `enrolment_revoke`
    plans.py     the physician's plan: `monitoring_plan_set`, `spo2_scale_set`/`_of`,
                 `threshold_set`/`_end`, `active_thresholds`
    rounds.py    the digital round: `round_action`, `round_record`
    scoring.py   shared by the others, no rows: value fields and labels, NEWS2 `score`,
                 `threshold_breaches`, values in their stored form

Imports point one way: scoring, plans ← alerts ← readings ← ingest; plans ← escalation;
devices and rounds stand alone."""

from .alerts import (
    ALERTING_LEVELS,
    LEVEL_ORDER,
    alert_acknowledge,
    alert_resolve,
    concern_alerts_for,
    last_measured_at,
    overdue_check,
)
from .devices import (
    CODE_ALPHABET,
    DeviceTokens,
    InvalidGrant,
    device_for_api_token,
    device_for_token,
    device_token_refresh,
    enrolment_claim,
    enrolment_claim_api,
    enrolment_issue,
    enrolment_revoke,
    token_digest,
)
from .escalation import (
    alerts_escalate,
    chain_for,
    duty_physician_set,
    duty_roster_save,
    duty_roster_set,
    escalation_final_set,
    may_edit_roster,
    organisation_physicians,
    ward_physicians,
)
from .ingest import fhir_content, fhir_observations_store
from .plans import (
    PHYSICIAN,
    active_thresholds,
    monitoring_plan_set,
    spo2_scale_of,
    spo2_scale_set,
    threshold_end,
    threshold_set,
)
from .readings import (
    MONITORED_STATES,
    SCORE_FIELDS,
    NewReading,
    Recorded,
    Stored,
    client_id_valid,
    observation_record,
    readings_store,
)
from .rounds import round_action, round_record
from .scoring import (
    PARAMETER_LABELS,
    VALUE_FIELDS,
    parameter_label,
    score,
    threshold_breaches,
)

__all__ = [
    "ALERTING_LEVELS",
    "CODE_ALPHABET",
    "LEVEL_ORDER",
    "MONITORED_STATES",
    "PARAMETER_LABELS",
    "PHYSICIAN",
    "SCORE_FIELDS",
    "VALUE_FIELDS",
    "DeviceTokens",
    "InvalidGrant",
    "NewReading",
    "Recorded",
    "Stored",
    "active_thresholds",
    "alert_acknowledge",
    "alert_resolve",
    "alerts_escalate",
    "chain_for",
    "client_id_valid",
    "concern_alerts_for",
    "device_for_api_token",
    "device_for_token",
    "token_digest",
    "device_token_refresh",
    "duty_physician_set",
    "duty_roster_save",
    "duty_roster_set",
    "enrolment_claim",
    "enrolment_claim_api",
    "enrolment_issue",
    "enrolment_revoke",
    "escalation_final_set",
    "fhir_content",
    "fhir_observations_store",
    "last_measured_at",
    "may_edit_roster",
    "monitoring_plan_set",
    "organisation_physicians",
    "observation_record",
    "overdue_check",
    "parameter_label",
    "readings_store",
    "round_action",
    "round_record",
    "score",
    "spo2_scale_of",
    "spo2_scale_set",
    "threshold_breaches",
    "threshold_end",
    "threshold_set",
    "ward_physicians",
]
