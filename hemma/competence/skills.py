"""Which trained skill (competence) a home visit or an agreement needs, read from its
text. Pure Python: no Django.

The planner's visits carry a profession (`visits.Visit.skill`: nurse, assistant nurse …);
the hands-on skills handed over from the ward to the municipality's staff – a PICC line, an
antibiotic pump, IV antibiotics, a subcutaneous injection – are named only in the visit's
text ("Byte av antibiotikapump; Kontroll av infart (PICC/PVK) och förband"), so they are
found by words."""

PICC = "picc"
INFUSION_PUMP = "infusion_pump"
IV_ANTIBIOTICS = "iv_antibiotics"
SUBCUTANEOUS_INJECTION = "subcutaneous_injection"

SKILL_CODES = (PICC, INFUSION_PUMP, IV_ANTIBIOTICS, SUBCUTANEOUS_INJECTION)

# Words (lower case) that name the skill, in the order skills are reported.
_WORDS = {
    PICC: ("picc",),
    INFUSION_PUMP: ("pump",),
    IV_ANTIBIOTICS: ("iv-antibiotika", "intravenös", " iv ", "i.v."),
    SUBCUTANEOUS_INJECTION: ("subkutan", "s.c.", "sc-injektion"),
}


def skills_in(text: str) -> tuple[str, ...]:
    """The skills a text names, in SKILL_CODES order: "Byte av antibiotikapump" →
    ("infusion_pump",)."""
    folded = f" {text.casefold()} "
    return tuple(code for code in SKILL_CODES if any(word in folded for word in _WORDS[code]))


def mentions_pump(text: str) -> bool:
    return INFUSION_PUMP in skills_in(text)


def mentions_line(text: str) -> bool:
    """A central or peripheral line the patient lives with (PICC or PVK)."""
    folded = text.casefold()
    return "picc" in folded or "pvk" in folded
