"""The CapabilityStatement (GET /fhir/metadata) and the SMART configuration: exactly
what Hemma supports, kept next to the list of what it routes (urls.py) and tested
against it, so the statement cannot promise an interaction that is not there."""

from importlib.metadata import version

FHIR_VERSION = "4.0.1"

# resource type → (interactions, search parameters: name → FHIR type)
SUPPORTED = {
    "Patient": (
        ["read", "search-type"],
        {"identifier": "token", "_id": "token", "_count": "number"},
    ),
    "Encounter": (
        ["read", "search-type"],
        {"patient": "reference", "subject": "reference", "status": "token", "_count": "number"},
    ),
    "Observation": (
        ["read", "search-type", "create"],
        {
            "patient": "reference",
            "subject": "reference",
            "encounter": "reference",
            "code": "token",
            "category": "token",
            "date": "date",
            "_lastUpdated": "date",
            "status": "token",
            "_count": "number",
        },
    ),
    "AuditEvent": (
        ["read", "search-type"],
        {
            "patient": "reference",
            "entity": "reference",
            "date": "date",
            "outcome": "token",
            "_count": "number",
        },
    ),
    "Practitioner": (
        ["read", "search-type"],
        {"identifier": "token", "name": "string", "_count": "number"},
    ),
    "PractitionerRole": (
        ["read", "search-type"],
        {"practitioner": "reference", "organization": "reference", "_count": "number"},
    ),
    "Organization": (
        ["read", "search-type"],
        {"identifier": "token", "name": "string", "_count": "number"},
    ),
    **{
        resource_type: (
            [
                "read",
                "search-type",
                *(["create"] if resource_type == "ServiceRequest" else []),
                *(["update"] if resource_type == "Task" else []),
            ],
            {"patient": "reference", "subject": "reference", "_count": "number"}
            | ({"encounter": "reference"} if per_episode else {}),
        )
        for resource_type, per_episode in (
            ("CarePlan", True),
            ("ServiceRequest", True),
            ("Task", True),
            ("Consent", False),
            ("CareTeam", False),
            ("Device", False),
            ("MedicationRequest", True),
            ("MedicationAdministration", True),
        )
    },
}
# Every type is read by version too: CarePlan keeps every version, the others the current.
for _interactions, _params in SUPPORTED.values():
    _interactions[1:1] = ["vread", "history-instance"]

OPERATIONS = {
    "Patient": [("everything", "http://hl7.org/fhir/OperationDefinition/Patient-everything")]
}


INCLUDES = {
    "Observation": ["Observation:patient", "Observation:subject", "Observation:encounter"],
    "Encounter": ["Encounter:patient", "Encounter:subject"],
}


def statement(base: str) -> dict:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-30",
        "kind": "instance",
        "software": {"name": "Hemma", "version": version("hemma")},
        "implementation": {"description": "Hemma – sjukhusvård i hemmet", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "cors": False,
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ]
                        }
                    ],
                    "description": "SMART Backend Services (client credentials with a signed "
                    "JWT assertion, token endpoint /oauth/token) for system clients; devices "
                    "posting vital-sign Observations use an episode-bound API token from the "
                    "ward's one-time code (POST /oauth/device-token, docs/fhir.md).",
                },
                "resource": [
                    {
                        "type": resource_type,
                        "interaction": [{"code": code} for code in interactions],
                        **(
                            {"searchInclude": INCLUDES[resource_type]}
                            if resource_type in INCLUDES
                            else {}
                        ),
                        "searchParam": [
                            {"name": name, "type": kind} for name, kind in params.items()
                        ],
                        **(
                            {
                                "operation": [
                                    {"name": name, "definition": definition}
                                    for name, definition in OPERATIONS[resource_type]
                                ]
                            }
                            if resource_type in OPERATIONS
                            else {}
                        ),
                    }
                    for resource_type, (interactions, params) in SUPPORTED.items()
                ],
                "interaction": [{"code": "batch"}, {"code": "transaction"}],
            }
        ],
    }


def smart_configuration(token_url: str) -> dict:
    return {
        "token_endpoint": token_url,
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
        "grant_types_supported": ["client_credentials"],
        "scopes_supported": [
            f"system/{resource}.{permission}"
            for resource in SUPPORTED
            for permission in ("read", "rs")
        ]
        + ["system/ServiceRequest.write", "system/ServiceRequest.c"]
        + ["system/Task.write", "system/Task.u"],
        "capabilities": ["client-confidential-asymmetric"],
    }
