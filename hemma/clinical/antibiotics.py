"""Recognise antibiotics on a medication list, so they are flagged even when the ward forgets.

Pure: no Django. The names are the substances (ATC group J01 and common IV antibiotics in
Swedish hospital at home, OPAT), in Swedish and international spelling.
"""

ANTIBIOTIC_SUBSTANCES = (
    "amoxicillin",
    "ampicillin",
    "azitromycin",
    "azithromycin",
    "aztreonam",
    "bensylpenicillin",
    "benzylpenicillin",
    "cefadroxil",
    "cefalexin",
    "cefepim",
    "cefotaxim",
    "ceftazidim",
    "ceftriaxon",
    "cefuroxim",
    "ciprofloxacin",
    "daptomycin",
    "doxycyklin",
    "doxycycline",
    "ertapenem",
    "erytromycin",
    "flukloxacillin",
    "fosfomycin",
    "gentamicin",
    "imipenem",
    "klindamycin",
    "clindamycin",
    "kloxacillin",
    "cloxacillin",
    "levofloxacin",
    "linezolid",
    "meropenem",
    "metronidazol",
    "moxifloxacin",
    "nitrofurantoin",
    "pivmecillinam",
    "piperacillin",
    "rifampicin",
    "teikoplanin",
    "teicoplanin",
    "tigecyklin",
    "tobramycin",
    "trimetoprim",
    "vankomycin",
    "vancomycin",
)


def looks_like_antibiotic(drug_name: str) -> bool:
    """True when the drug name contains a known antibiotic substance (case-insensitive)."""
    name = drug_name.casefold()
    return any(substance in name for substance in ANTIBIOTIC_SUBSTANCES)
