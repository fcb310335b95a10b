"""The shared case around an episode as FHIR R4 resources: the documented agreement
(CarePlan), care requests (ServiceRequest, and Task for their handling), consents
(Consent), the care team (CareTeam) and units (Organization).

The mapping is written out in docs/fhir.md; this module and that page change together."""

from .resources import HSA_ID, _clean, instant, patient_reference, unit_reference

CAREPLAN_STATUS = {
    "candidate": "draft",
    "assessed": "draft",
    "agreed": "active",
    "preparing": "active",
    "at_home": "active",
    "readmitted": "completed",
    "discharged": "completed",
    "cancelled": "revoked",
    "died": "completed",
    "transferred": "completed",
}
SERVICE_REQUEST_STATUS = {
    "sent": "active",
    "question": "on-hold",
    "accepted": "active",
    "declined": "revoked",
    "withdrawn": "revoked",
}
TASK_STATUS = {
    "sent": "requested",
    "question": "on-hold",
    "accepted": "accepted",
    "declined": "rejected",
    "withdrawn": "cancelled",
}
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
CONSENT_CATEGORY = {"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}


def _encounter(episode_id: int) -> dict:
    return {"reference": f"Encounter/{episode_id}"}


def care_plan(agreement, version, episode, patient, checked: set[str]) -> dict:
    """The documented agreement's current version: activities, and the discharge criteria
    as goals (contained Goal resources; achieved once checked off)."""
    goals = [
        {
            "resourceType": "Goal",
            "id": f"criterion-{index}",
            "lifecycleStatus": "active",
            "achievementStatus": {"text": "achieved" if text in checked else "in-progress"},
            "description": {"text": text},
            "subject": patient_reference(patient),
        }
        for index, text in enumerate(version.criteria, start=1)
    ]
    return _clean(
        {
            "resourceType": "CarePlan",
            "id": str(agreement.pk),
            "meta": {"versionId": str(version.number), "lastUpdated": instant(version.created_at)},
            "contained": goals,
            "status": CAREPLAN_STATUS.get(episode.state, "unknown"),
            "intent": "plan",
            "title": "Dokumenterad överenskommelse",
            "description": version.change_note,
            "subject": patient_reference(patient),
            "encounter": _encounter(episode.pk),
            "created": instant(agreement.created_at),
            "author": unit_reference(episode.ward),
            "goal": [{"reference": f"#{goal['id']}"} for goal in goals],
            "activity": [
                {
                    "detail": {
                        "status": "scheduled",
                        "description": " – ".join(
                            str(activity.get(part, "")).strip()
                            for part in ("what", "who", "when")
                            if str(activity.get(part, "")).strip()
                        ),
                    }
                }
                for activity in version.activities
                if isinstance(activity, dict) and str(activity.get("what", "")).strip()
            ],
            "note": [
                {"text": f"Om du blir sämre: {version.if_worse}"} if version.if_worse else None,
                {"text": f"Ring 112: {version.call_112}"} if version.call_112 else None,
            ],
        }
    )


SNOMED = "http://snomed.info/sct"
# Medication.route → SNOMED CT route of administration (and back, service_requests.py).
ROUTES = {
    "iv": ("47625008", "Intravenous route"),
    "po": ("26643006", "Oral route"),
    "sc": ("34206005", "Subcutaneous route"),
    "im": ("78421000", "Intramuscular route"),
    "inh": ("447694001", "Respiratory tract route"),
}


def medication_request(medication, index: int, patient) -> dict:
    """One row of the care request's medication list, contained in the ServiceRequest."""
    route = ROUTES.get(medication.route)
    return _clean(
        {
            "resourceType": "MedicationRequest",
            "id": f"medication-{index}",
            "status": "active",
            "intent": "order",
            "medicationCodeableConcept": {"text": medication.drug},
            "subject": patient_reference(patient),
            "dosageInstruction": [
                {
                    "text": f"{medication.dose}, {medication.times}",
                    "timing": {"code": {"text": medication.times}},
                    "route": {
                        "coding": [{"system": SNOMED, "code": route[0], "display": route[1]}]
                        if route
                        else [],
                        "text": medication.get_route_display(),
                    },
                    "doseAndRate": [{"type": {"text": medication.dose}}],
                }
            ],
            "category": [{"text": "antibiotika"}] if medication.is_antibiotic else [],
        }
    )


def service_request(care_request, patient, medications=()) -> dict:
    contained = [
        medication_request(medication, index, patient)
        for index, medication in enumerate(medications, start=1)
    ]
    return _clean(
        {
            "resourceType": "ServiceRequest",
            "id": str(care_request.pk),
            "contained": contained,
            "status": SERVICE_REQUEST_STATUS.get(care_request.status, "unknown"),
            "intent": "order",
            "code": {"text": care_request.get_kind_display()},
            "subject": patient_reference(patient),
            "encounter": _encounter(care_request.episode_id),
            "occurrenceDateTime": instant(care_request.start_at),
            "authoredOn": instant(care_request.sent_at),
            "requester": unit_reference(care_request.from_unit),
            "performer": [unit_reference(care_request.to_unit)],
            "reasonCode": [{"text": care_request.reason}],
            "note": [{"text": care_request.interventions}],
            "supportingInfo": (
                [{"reference": f"CarePlan/{care_request.agreement_version.agreement_id}"}]
                if care_request.agreement_version_id
                else []
            )
            + [{"reference": f"#{medication['id']}"} for medication in contained],
        }
    )


def task(care_request, patient, messages) -> dict:
    """How the receiving unit handles a care request: read, question, accepted, declined."""
    status = TASK_STATUS.get(care_request.status, "requested")
    if status == "requested" and care_request.read_at:
        status = "received"
    return _clean(
        {
            "resourceType": "Task",
            "id": str(care_request.pk),
            "status": status,
            "statusReason": {"text": care_request.decline_reason}
            if care_request.decline_reason
            else None,
            "businessStatus": {"text": care_request.get_status_display()},
            "intent": "order",
            "focus": {"reference": f"ServiceRequest/{care_request.pk}"},
            "for": patient_reference(patient),
            "encounter": _encounter(care_request.episode_id),
            "authoredOn": instant(care_request.sent_at),
            "lastModified": instant(
                care_request.answered_at or care_request.read_at or care_request.sent_at
            ),
            "requester": unit_reference(care_request.from_unit),
            "owner": unit_reference(care_request.to_unit),
            "output": [
                {
                    "type": {"text": message.get_kind_display()},
                    "valueString": message.text,
                }
                for message in messages
            ],
        }
    )


def _consent(resource_id, active: bool, patient, moment, rule: str, performer) -> dict:
    return _clean(
        {
            "resourceType": "Consent",
            "id": resource_id,
            "status": "active" if active else "inactive",
            "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "patient-privacy"}]},
            "category": [{"coding": [CONSENT_CATEGORY]}],
            "patient": patient_reference(patient),
            "dateTime": instant(moment),
            "performer": [performer] if performer else [],
            "policyRule": {"text": rule},
            "provision": {"type": "permit" if active else "deny"},
        }
    )


def episode_consent(consent, patient) -> dict:
    """The patient's consent to care at home and to sharing with the municipality."""
    return _consent(
        f"episode-{consent.episode_id}",
        consent.patient_agrees,
        patient,
        consent.recorded_at,
        "Samtycke till sjukhusvård i hemmet"
        + (" och informationsdelning med kommunen" if consent.shares_information else ""),
        patient_reference(patient),
    )


def sharing_consent(consent, patient) -> dict:
    """Consent to region–municipality sharing (sammanhållen journalföring)."""
    return _consent(
        f"sharing-{consent.pk}",
        consent.revoked_at is None,
        patient,
        consent.revoked_at or consent.given_at,
        "Patientdatalagen (2008:355) 6 kap., sammanhållen journalföring",
        patient_reference(patient),
    )


def care_team(patient, relationships) -> dict:
    """The units with a care relationship to the patient (the basis of every read)."""
    return _clean(
        {
            "resourceType": "CareTeam",
            "id": str(patient.pk),
            "status": "active" if any(r.ended_at is None for r in relationships) else "inactive",
            "subject": patient_reference(patient),
            "participant": [
                {
                    "role": [{"text": relationship.get_basis_display()}],
                    "member": unit_reference(relationship.unit),
                    "period": {
                        "start": instant(relationship.started_at),
                        "end": instant(relationship.ended_at),
                    },
                }
                for relationship in relationships
            ],
        }
    )


def organization(unit) -> dict:
    return _clean(
        {
            "resourceType": "Organization",
            "id": str(unit.pk),
            "identifier": [{"system": HSA_ID, "value": unit.hsa_id}],
            "active": True,
            "type": [{"text": unit.get_kind_display()}],
            "name": unit.name,
            "telecom": [{"system": "phone", "value": unit.phone}] if unit.phone else [],
            "partOf": {
                "identifier": {"system": HSA_ID, "value": unit.organisation.hsa_id},
                "display": unit.organisation.name,
            },
        }
    )


def device(enrolment, patient) -> dict:
    """An enrolled device of the patient (the tablet page or a vendor's API integration),
    active until the ward disconnects it or the episode ends."""
    active = enrolment.revoked_at is None and enrolment.claimed_at is not None
    return _clean(
        {
            "resourceType": "Device",
            "id": str(enrolment.pk),
            "status": "active" if active else "inactive",
            "deviceName": [{"name": enrolment.label, "type": "user-friendly-name"}]
            if enrolment.label
            else [],
            "type": {"text": enrolment.get_kind_display()},
            "patient": patient_reference(patient),
            "note": [{"text": f"Enrolled for Encounter/{enrolment.episode_id}"}],
        }
    )
