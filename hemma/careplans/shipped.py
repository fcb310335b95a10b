"""The agreement templates Hemma ships, one per way in (seed 003): IV antibiotics/OPAT with
an antibiotic pump, acute internal medicine at home, and stroke early supported discharge.

Plain data, written in plain Swedish for the patient. Phone numbers are placeholders:
an agreement (or a ward's copy) made from a template gets the units' real numbers instead
(`with_unit_phones`, called by careplans.services), so "call the ward" is never 000-000.
"""

WARD_CONTACT = {"name": "Avdelningen", "phone": "000-000 00 01", "hours": "Dygnet runt"}
HOME_HEALTH_CONTACT = {
    "name": "Hemsjukvården",
    "phone": "000-000 00 02",
    "hours": "Dag och kväll 07–21",
}
IF_WORSE = (
    "Ring avdelningen direkt om du känner dig sämre, får feber över 38,5 eller frossa. "
    "Du kan då bli inlagd direkt på din trygghetsplats på avdelningen utan att gå via akuten."
)
CALL_112 = (
    "Ring 112 om du får svårt att andas, ont i bröstet, blir förvirrad eller svår att väcka, "
    "eller om det är bråttom och du inte når avdelningen."
)

SHIPPED_TEMPLATES = [
    {
        "name": "IV-antibiotika i hemmet (OPAT) med antibiotikapump",
        "pathway": "early_discharge",
        "description": "Tidig hemgång med intravenös antibiotika via pump och PICC/PVK.",
        "activities": [
            {
                "what": "Byte av antibiotikapump",
                "who": "Hemsjukvården, sjuksköterska",
                "when": "Dagligen 08",
            },
            {
                "what": "Kontroll av infart (PICC/PVK) och förband",
                "who": "Hemsjukvården, sjuksköterska",
                "when": "Dagligen 08",
            },
            {
                "what": "Egenmätning: puls, saturation, blodtryck, temperatur",
                "who": "Patienten",
                "when": "08, 14, 20",
            },
            {
                "what": "Blodprover (CRP, blodstatus, kreatinin)",
                "who": "Hemsjukvården, sjuksköterska",
                "when": "Måndag och torsdag",
            },
            {"what": "Digital rond (video)", "who": "Avdelningens läkare", "when": "Dagligen 10"},
            {
                "what": "Kvällssamtal dag 1",
                "who": "Avdelningens sjuksköterska",
                "when": "Dag 1, 19",
            },
        ],
        "contacts": [WARD_CONTACT, HOME_HEALTH_CONTACT],
        "criteria": [
            "Feberfri i minst 48 timmar",
            "CRP sjunkande",
            "Antibiotikakuren avslutad eller bytt till tabletter",
            "Infarten (PICC/PVK) borttagen eller plan för den klar",
            "Patienten känner sig trygg att avsluta vården i hemmet",
        ],
        "if_worse": IF_WORSE
        + " Ring också om pumpen larmar eller om det gör ont, svullnar eller läcker vid infarten.",
        "call_112": CALL_112,
        "equipment": [
            "Antibiotikapump",
            "Surfplatta för videosamtal",
            "Blodtrycksmätare, pulsoximeter och termometer",
            "Förbandsmaterial för infarten",
        ],
    },
    {
        "name": "Akut internmedicin i hemmet",
        "pathway": "admission_avoidance",
        "description": (
            "Direkt till vård i hemmet från akuten eller vårdcentralen; sjukhuset har "
            "det medicinska ansvaret."
        ),
        "activities": [
            {"what": "Läkarbedömning (video)", "who": "Avdelningens läkare", "when": "Dagligen 10"},
            {
                "what": "Hembesök: vitalparametrar, läkemedel, prover",
                "who": "Hemsjukvården, sjuksköterska",
                "when": "Dagligen 08–12",
            },
            {
                "what": "Egenmätning: puls, saturation, blodtryck, temperatur",
                "who": "Patienten eller närstående",
                "when": "08, 14, 20",
            },
            {
                "what": "Bedömning av förflyttning och hjälpmedel",
                "who": "Fysioterapeut/arbetsterapeut",
                "when": "Dag 1",
            },
        ],
        "contacts": [WARD_CONTACT, HOME_HEALTH_CONTACT],
        "criteria": [
            "Stabila vitalparametrar (NEWS2 0–2) i 24 timmar",
            "Provsvar förbättrade",
            "Klarar vardagen som före insjuknandet",
            "Uppföljning på vårdcentralen bokad",
        ],
        "if_worse": IF_WORSE,
        "call_112": CALL_112,
        "equipment": [
            "Surfplatta för videosamtal",
            "Blodtrycksmätare, pulsoximeter och termometer",
        ],
    },
    {
        "name": "Tidig understödd utskrivning efter stroke",
        "pathway": "stroke_esd",
        "description": (
            "Strokteamet (läkare, sjuksköterska, fysioterapeut, arbetsterapeut, logoped) "
            "samordnar hemgången och rehabiliteringen i hemmet."
        ),
        "activities": [
            {"what": "Träning av gång och balans", "who": "Fysioterapeut", "when": "Mån, ons, fre"},
            {
                "what": "Träning i vardagsaktiviteter och hjälpmedel",
                "who": "Arbetsterapeut",
                "when": "Tis, tor",
            },
            {"what": "Tal- och sväljträning", "who": "Logoped", "when": "Två gånger i veckan"},
            {
                "what": "Blodtryck och läkemedelsgenomgång",
                "who": "Strokteamets sjuksköterska",
                "when": "Måndagar",
            },
            {"what": "Teamträff om målen", "who": "Strokteamet", "when": "Varje vecka"},
        ],
        "contacts": [
            {"name": "Strokteamet", "phone": "000-000 00 03", "hours": "Vardagar 08–16"},
            WARD_CONTACT,
        ],
        "criteria": [
            "Målen i rehabiliteringsplanen är nådda",
            "Klarar sig tryggt i hemmet",
            "Överlämnat till kommunens rehabilitering eller vårdcentralen",
            "Uppföljning av sekundärprevention bokad",
        ],
        "if_worse": ("Ring strokteamet dagtid eller avdelningen övrig tid om du känner dig sämre."),
        "call_112": (
            "Ring 112 direkt vid nya tecken på stroke: sned mun, svaghet i arm eller ben, "
            "sluddrigt tal – även om besvären går över."
        ),
        "equipment": ["Hjälpmedel enligt arbetsterapeutens ordination"],
    },
]


PLACEHOLDER_PHONES = {WARD_CONTACT["phone"], HOME_HEALTH_CONTACT["phone"], "000-000 00 03"}


def with_unit_phones(content: dict, *, ward=None, home_health=None) -> dict:
    """The template's content with its placeholder numbers replaced: the ward's contact
    by the ward's number (Unit.phone), home health care's by the visiting unit's, the
    stroke team's by the ward's (the team works from the ward). A number the unit lacks
    (or no visiting unit yet) leaves the placeholder, to be replaced later or by hand."""
    ward_phone = getattr(ward, "phone", "")
    own = {phone: ward_phone for phone in PLACEHOLDER_PHONES}
    own[HOME_HEALTH_CONTACT["phone"]] = getattr(home_health, "phone", "")
    contacts = []
    for contact in content.get("contacts", []):
        contact = dict(contact)
        phone = contact.get("phone", "")
        if own.get(phone):
            contact["phone"] = own[phone]
        contacts.append(contact)
    return {**content, "contacts": contacts}
