"""The demo region: a Dalarna-like region and a Falun-like municipality.

Never real identities. Patients use Skatteverket's published test personnummer
(birth numbers 9xx, from Skatteverket's open test-number data; 19121212-1212 is
"Tolvan Tolvansson"). Addresses are real streets in Falun with approximate
coordinates, but no real person is tied to them.

Every phone number – patients, next of kin, the units, the directory, the ward's final
escalation step – is from the mobile series PTS (Post- och telestyrelsen) reserves for
fiction, film and books: 070-174 06 05 … 070-174 06 99, which no subscriber can get
(DEMO_PHONE_SERIES; tests/demo check every number). PTS's fixed-line fiction series cover
only four cities (Stockholm 08, Göteborg 031, Malmö 040, Gotland 0980), none of them
Falun's 023, so a Falun number would risk being someone's real one.
"""

# PTS's fiction series: the digits of 070-174 06 05 … 070-174 06 99.
DEMO_PHONE_SERIES = r"^07017406(0[5-9]|[1-9][0-9])$"

DEMO_PASSWORD = "hemma-demo-2026"  # noqa: S105 – demo only, printed by `make run`

REGION = {
    "name": "Region Dalarna (demo)",
    "kind": "region",
    "organisation_number": "232100-0180",
    "hsa_id": "SE2321000180-DEMO",
}
MUNICIPALITY = {
    "name": "Falu kommun (demo)",
    "kind": "municipality",
    "organisation_number": "212000-2080",
    "hsa_id": "SE2120002080-DEMO",
}

# key: (organisation key, name, kind, hsa suffix, phone, beds)
UNITS = {
    "ward": (
        "region",
        "Infektionsavdelning 30, Falu lasarett",
        "ward",
        "INF30",
        "070-174 06 30",
        22,
    ),
    "vc_kvarnen": ("region", "Vårdcentral Kvarnen", "primary_care", "VCKV", "070-174 06 40", None),
    "vc_britsarvet": (
        "region",
        "Vårdcentral Britsarvet",
        "primary_care",
        "VCBR",
        "070-174 06 50",
        None,
    ),
    "ambulance": ("region", "Ambulanssjukvården Falun", "ambulance", "AMBF", "070-174 06 60", None),
    "home_health": (
        "municipality",
        "Hemsjukvården centrum, Falu kommun",
        "home_health_care",
        "HSVC",
        "070-174 06 70",
        None,
    ),
    "home_care": (
        "municipality",
        "Hemtjänsten centrum, Falu kommun",
        "home_care",
        "HTC",
        "070-174 06 80",
        None,
    ),
}

# username: (first, last, profession, hsa suffix, [(unit key, role)])
STAFF = {
    "anna.ssk": ("Anna", "Berg", "nurse", "ANNA1", [("ward", "member")]),
    "erik.lak": ("Erik", "Lind", "physician", "ERIK1", [("ward", "member")]),
    "sofie.lak": ("Sofie", "Malm", "physician", "SOFIE1", [("ward", "member")]),
    "maria.usk": ("Maria", "Dahl", "assistant_nurse", "MARIA1", [("ward", "member")]),
    "johan.ft": ("Johan", "Ek", "physiotherapist", "JOHAN1", [("ward", "member")]),
    "sara.at": ("Sara", "Holm", "occupational_therapist", "SARA1", [("ward", "member")]),
    "ida.log": ("Ida", "Wall", "speech_therapist", "IDA1", [("ward", "member")]),
    "lena.us": ("Lena", "Sund", "discharge_coordinator", "LENA1", [("ward", "member")]),
    "peter.vk": ("Peter", "Nord", "care_coordinator", "PETER1", [("vc_kvarnen", "member")]),
    "ulla.vc": ("Ulla", "Strand", "physician", "ULLA1", [("vc_kvarnen", "manager")]),
    "karin.hsv": ("Karin", "Ström", "nurse", "KARIN1", [("home_health", "member")]),
    "nils.hsv": ("Nils", "Berglund", "nurse", "NILS1", [("home_health", "member")]),
    "sofia.hsv": ("Sofia", "Lund", "nurse", "SOFIA1", [("home_health", "member")]),
    "maja.usk": ("Maja", "Eriksson", "assistant_nurse", "MAJA1", [("home_health", "member")]),
    "leo.usk": ("Leo", "Sandberg", "assistant_nurse", "LEO1", [("home_health", "member")]),
    "tove.ft": ("Tove", "Lindqvist", "physiotherapist", "TOVE1", [("home_health", "member")]),
    "ali.ht": ("Ali", "Hassan", "assistant_nurse", "ALI1", [("home_care", "member")]),
    "eva.bist": ("Eva", "Falk", "needs_assessor", "EVA1", [("home_care", "member")]),
    "olle.amb": ("Olle", "Vik", "nurse", "OLLE1", [("ambulance", "member")]),
    "admin.region": (
        "Rut",
        "Adler",
        "administrator",
        "RUT1",
        [("ward", "log_reviewer"), ("vc_kvarnen", "log_reviewer")],
    ),
    "admin.kommun": ("Kent", "Ahl", "administrator", "KENT1", [("home_health", "log_reviewer")]),
}

# personal number: details; "team" lists the units with a care relationship.
PATIENTS = {
    "194405149057": {
        "first_name": "Kim",
        "last_name": "Andersson (demo)",
        "street_address": "Trotzgatan 12",
        "postal_code": "791 71",
        "city": "Falun",
        "latitude": "60.606500",
        "longitude": "15.630000",
        "phone": "070-1740605",
        "listed": "vc_kvarnen",
        "team": ["ward", "home_health", "vc_kvarnen"],
        "kin": [("Alex Andersson", "make", "070-1740606")],
    },
    "193805089145": {
        "first_name": "Lisa",
        "last_name": "Berglund (demo)",
        "street_address": "Slaggatan 4",
        "postal_code": "791 71",
        "city": "Falun",
        "latitude": "60.603200",
        "longitude": "15.625100",
        "phone": "070-1740607",
        "listed": "vc_kvarnen",
        "team": ["ward", "home_health", "home_care"],
        "kin": [("Maja Berglund", "dotter", "070-1740608")],
    },
    "193504049135": {
        "first_name": "Omar",
        "last_name": "Haddad (demo)",
        "street_address": "Hälsinggårdsvägen 20",
        "postal_code": "791 36",
        "city": "Falun",
        "latitude": "60.617900",
        "longitude": "15.651200",
        "phone": "070-1740609",
        "listed": "vc_britsarvet",
        "team": ["ward"],
        "kin": [("Yasmin Haddad", "dotter", "070-1740610"), ("Sami Haddad", "son", "070-1740611")],
    },
    "191212121212": {
        "first_name": "Tolvan",
        "last_name": "Tolvansson (demo)",
        "street_address": "Stigaregatan 3",
        "postal_code": "791 60",
        "city": "Falun",
        "latitude": "60.604100",
        "longitude": "15.621900",
        "phone": "070-1740612",
        "listed": "vc_britsarvet",
        "team": ["vc_britsarvet"],
        "kin": [],
    },
    "194004019180": {
        "first_name": "Greta",
        "last_name": "Lund (demo)",
        "street_address": "Bergslagsgatan 7",
        "postal_code": "791 74",
        "city": "Falun",
        "latitude": "60.611000",
        "longitude": "15.640300",
        "phone": "070-1740613",
        "listed": "vc_kvarnen",
        "team": ["ward", "vc_kvarnen"],
        "kin": [("Per Lund", "son", "070-1740614")],
    },
    "193703149132": {
        "first_name": "Bo",
        "last_name": "Sjöberg (demo)",
        "street_address": "Främby udde 2",
        "postal_code": "791 53",
        "city": "Falun",
        "latitude": "60.589900",
        "longitude": "15.612300",
        "phone": "070-1740615",
        "listed": "vc_britsarvet",
        "team": ["home_health", "home_care"],
        "kin": [],
    },
    "194106239892": {
        "first_name": "Sven",
        "last_name": "Dahlberg (demo)",
        "street_address": "Hosjövägen 40",
        "postal_code": "791 46",
        "city": "Falun",
        "latitude": "60.585100",
        "longitude": "15.661200",
        "phone": "070-1740616",
        "listed": "vc_kvarnen",
        "team": ["ward", "vc_kvarnen"],
        "kin": [("Inger Dahlberg", "maka", "070-1740617")],
    },
    "193909119889": {
        "first_name": "Maj",
        "last_name": "Eklund (demo)",
        "street_address": "Bergsgatan 3",
        "postal_code": "791 60",
        "city": "Falun",
        "latitude": "60.603000",
        "longitude": "15.624500",
        "phone": "070-1740618",
        "listed": "vc_britsarvet",
        "team": ["ward", "vc_britsarvet"],
        "kin": [],
    },
}

# Demo episodes, each taken through the real services up to its state, its steps then
# spread over "days" (days ago of the first and the last step; 0: today; see
# hemma.demo.timeline). Kim is left as a fresh candidate so a new user can walk the whole
# flow with him in the browser.
EPISODES = {
    "194405149057": {
        "state": "candidate",
        "tier": "kim",
        "reason": "Pyelonefrit, stabil dag 3",
        "days": (1, 1),
    },
    "193805089145": {
        "state": "at_home",
        "tier": "lisa",
        "reason": "Erysipelas, IV-antibiotika",
        "days": (4, 2),
    },
    "194004019180": {
        "state": "preparing",
        "tier": "kim",
        "reason": "Pneumoni, stabil",
        "days": (2, 0),
    },
    "193504049135": {
        "state": "agreed",
        "tier": "omar",
        "reason": "Pneumoni hos multisjuk, behöver mer hemtjänst",
        "pathway": "admission_avoidance",
        "template": "Akut internmedicin i hemmet",
        "days": (1, 0),
    },
    "191212121212": {
        "state": "readmitted",
        "tier": "kim",
        "reason": "Urosepsis, stabil",
        "days": (6, 0),
    },
    "193703149132": {
        "state": "discharged",
        "tier": "kim",
        "reason": "Cellulit, IV-antibiotika",
        "days": (14, 3),
    },
    "194106239892": {
        "state": "assessed",
        "tier": "lisa",
        "reason": "Stroke, god återhämtning",
        "pathway": "stroke_esd",
        "template": "Tidig understödd utskrivning efter stroke",
        "days": (3, 1),
    },
    "193909119889": {
        "state": "cancelled",
        "tier": "kim",
        "reason": "Pyelonefrit",
        "cancel_reason": "Patienten vill hellre stanna på avdelningen.",
        "days": (5, 4),
    },
}
OPAT_TEMPLATE = "IV-antibiotika i hemmet (OPAT) med antibiotikapump"

# Lisa's readings from her tablet (hours ago, values); the last one is red (NEWS2 5).
LISA_READINGS = [
    (20, {"pulse": 88, "spo2": 96, "systolic_bp": 132, "diastolic_bp": 80, "temperature": 37.4}),
    (12, {"pulse": 92, "spo2": 95, "systolic_bp": 128, "diastolic_bp": 78, "temperature": 37.9}),
    (4, {"pulse": 118, "spo2": 93, "systolic_bp": 124, "diastolic_bp": 76, "temperature": 38.6}),
]

# Coordinated-discharge cases (lag 2017:612) at each step: personal number →
# (hours since admission, step). Steps: notice, fixed_contact, ready, sip.
DISCHARGE_CASES = {
    "194405149057": (5, "notice"),
    "194004019180": (30, "fixed_contact"),  # the notice went out late
    "194106239892": (60, "ready"),
    "193909119889": (150, "ready_long"),  # ready five days ago: payment days run
}

# Läkare till läkare (PTS fiction numbers): unit, title, direct phone, hours, on call, out of hours.
DIRECTORY = [
    (
        "ward",
        "Infektionsläkare, konsult",
        "070-174 06 31",
        "Vardagar 13–15",
        "Infektionsbakjour dygnet runt via växeln",
        "Läkarstöd till ambulans och hemsjukvård dygnet runt: 070-174 06 32",
    ),
    (
        "vc_kvarnen",
        "Vårdcentral Kvarnen, läkare",
        "070-174 06 41",
        "Vardagar 08–10 och 13–14",
        "Ingen jour; jourcentral kvällstid",
        "Hemsjukvårdens läkarstöd vardagar 08–17",
    ),
]

# Home visits: the home health unit's shifts (every day the demo is loaded for, today and
# tomorrow): username: (start, end, travel mode, lunch window or None). Nils takes the
# evening and the midnight doses (two IV visits of 45 minutes from 23:30); Sofia cycles in
# the centre.
SHIFTS = {
    "karin.hsv": ("07:00", "16:00", "car", ("11:00", "13:00")),
    "sofia.hsv": ("07:00", "16:00", "bike", ("11:00", "13:00")),
    "maja.usk": ("07:00", "16:00", "car", ("11:30", "13:30")),
    "leo.usk": ("08:00", "17:00", "car", ("11:30", "13:30")),
    "tove.ft": ("08:00", "16:30", "car", ("11:00", "13:00")),
    "nils.hsv": ("15:00", "01:30", "car", ("18:00", "20:00")),
}
HOME_HEALTH_BASE = ("60.606600", "15.631000")  # Falun centre
# Omar's agreement is revised once with what his days at home need: besides the IV doses
# at the times of his list (hemma.demo.activity), help to move and wash that needs two staff
# (home care, hemtjänsten, looks in on him in the evening).
OMAR_EXTRA_ACTIVITIES = [
    {
        "what": "Förflyttning och personlig hygien, två personal",
        "who": "Hemsjukvården, undersköterska",
        "when": "Dagligen 09",
    },
    {
        "what": "Tillsyn, vätska och läkemedel",
        "who": "Hemsjukvården, undersköterska",
        "when": "13",
    },
    {"what": "Gångträning", "who": "Hemsjukvården, fysioterapeut", "when": "Mån, ons, fre"},
]
