"""Economics of care at home, as the region's and municipality's follow-up strategists
calculate it (seed 002, Ljungby): the cost of an emergency department visit from KPP
(kostnad per patient) less overhead, what fewer visits save in a year, and what a bed-day
at home saves net of the home episode's own costs. Pure Python; every figure comes with
the formula that produced it, so the page can show it next to the number.

Amounts are whole kronor, rounded half up like the strategists' spreadsheets, and written
by `hemma.clinical.numbers` (no-break space thousands, real minus sign) like every page."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from hemma.clinical import numbers

# The seed's worked examples (Ljungby, seed 002): ED visits a month before → after. Shown
# as examples next to the organisation's own figures, never used as anyone's numbers.
LJUNGBY_EXAMPLES = ((87, 63), (87, 78))


def kronor(value) -> int:
    return int(Decimal(str(value)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _sek(value: int) -> str:
    return numbers.kronor(value)


@dataclass(frozen=True)
class Figure:
    value: int  # kronor (or a count)
    formula: str  # how it was calculated, in the page's language (Swedish)


def ed_visit_cost(kpp_cost: int, overhead_share: Decimal) -> Figure:
    """6 774 kr less 20 % overhead = 5 419 kr per visit."""
    value = kronor(Decimal(kpp_cost) * (1 - Decimal(str(overhead_share))))
    percent = numbers.percent(Decimal(str(overhead_share)) * 100, 0)
    return Figure(value, f"{_sek(kpp_cost)} − {percent} OH = {_sek(value)} per besök")


def yearly_ed_saving(visits_before: int, visits_after: int, cost_per_visit: int) -> Figure:
    """(87 − 63) visits a month × 12 × 5 419 kr = 1 560 672 kr a year."""
    fewer = visits_before - visits_after
    value = fewer * 12 * cost_per_visit
    return Figure(
        value,
        f"({numbers.integer(visits_before)} − {numbers.integer(visits_after)}) besök/månad = "
        f"{numbers.integer(fewer)} besök × 12 månader × "
        f"{_sek(cost_per_visit)} = {_sek(value)} per år",
    )


@dataclass(frozen=True)
class HomeEpisodeCosts:
    visit_minutes: dict[str, int]  # profession -> minutes of visits (incl. travel)
    hourly_cost: dict[str, int]  # profession -> kr per hour
    equipment: int = 0
    transport: int = 0

    def total(self) -> int:
        staff = sum(
            Decimal(minutes) / 60 * self.hourly_cost.get(profession, 0)
            for profession, minutes in self.visit_minutes.items()
        )
        return kronor(staff) + self.equipment + self.transport


def bed_days_net_effect(bed_days_at_home: int, bed_day_cost: int, home: HomeEpisodeCosts) -> Figure:
    """Bed-days delivered at home × the ward's bed-day cost − what the home episodes cost."""
    gross = bed_days_at_home * bed_day_cost
    costs = home.total()
    value = gross - costs
    return Figure(
        value,
        f"{numbers.integer(bed_days_at_home)} vårddygn × {_sek(bed_day_cost)} = {_sek(gross)} − "
        f"hemmets kostnader {_sek(costs)} = {_sek(value)}",
    )


def short_term_housing_avoided(days: int, cost_per_day: int) -> Figure:
    value = days * cost_per_day
    return Figure(
        value,
        f"{numbers.integer(days)} dygn korttidsboende × {_sek(cost_per_day)} = {_sek(value)}",
    )
