"""The template filters wrap hemma.clinical.numbers; text passes through, never a 500."""

from decimal import Decimal

from django.template import Context, Template

NB = "\u00a0"


def render(source: str, **context) -> str:
    return Template("{% load swedish_numbers %}" + source).render(Context(context))


def test_the_filters_write_swedish_numbers():
    assert render("{{ v|decimal:1 }}", v=2.25) == "2,3"
    assert render("{{ v|percent:1 }}", v=10.66) == f"10,7{NB}%"
    assert render("{{ v|kronor }}", v=1560672) == f"1{NB}560{NB}672{NB}kr"
    assert render("{{ v|integer }}", v=5419) == f"5{NB}419"
    assert render("{{ v|fraction_percent }}", v=Decimal("0.200")) == f"20{NB}%"
    assert render("{{ v|fraction_percent }}", v=Decimal("0.125")) == f"12,5{NB}%"
    assert render("{{ v|number:2 }}", v=0.456) == "0,46"
    assert render("{{ v|number:2 }}", v=12345) == f"12{NB}345"
    assert render("{{ v|number }}", v=None) == "–"


def test_text_and_hostile_values_pass_through():
    assert render("{{ v|number }}", v="3 / 10 (30 %)") == "3 / 10 (30 %)"
    assert render("{{ v|decimal:1 }}", v="dolt") == "dolt"
    assert render("{{ v|kronor }}", v="<b>") == "&lt;b&gt;"
    assert render("{{ v|decimal:'x' }}", v=2.25) == "2,3"  # a bad argument: one decimal
    assert render("{{ v|fraction_percent }}", v="abc") == "abc"


class Limit:
    def __init__(self, low, high):
        self.low, self.high = low, high


def test_a_range_with_an_open_end_is_never_two_dashes():
    """Issue 19: "Puls: ––110,0" for a personal limit with only a highest value."""
    assert render("{{ t|limits }}", t=Limit(None, Decimal("110.0"))) == f"≤{NB}110"
    assert render("{{ t|limits }}", t=Limit(Decimal("92.0"), None)) == f"≥{NB}92"
    assert render("{{ t|limits }}", t=Limit(Decimal("35.5"), Decimal("38.0"))) == "35,5–38"
    assert render("{{ t|limits }}", t=Limit(None, None)) == "–"
    assert render("{{ v|compact }}", v=110.0) == "110"
    assert render("{{ v|compact }}", v=37.25) == "37,3"
    assert render("{{ v|compact }}", v=1234.0) == f"1{NB}234"
    assert render("{{ v|compact }}", v="dolt") == "dolt"
