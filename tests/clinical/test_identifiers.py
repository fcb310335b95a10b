"""The identifier rules, exhaustively. Only Skatteverket test numbers or synthetic ones."""

from datetime import date

import pytest

from hemma.clinical.identifiers import (
    InvalidIdentifier,
    describe_personal_identity,
    is_valid_hsa_id,
    luhn_check_digit,
    normalize_phone,
    parse_personal_identity,
    row_id,
    validate_hsa_id,
    validate_organisation_number,
)

TODAY = date(2026, 11, 24)


def parse(raw):
    return parse_personal_identity(raw, today=TODAY)


def with_check_digit(nine: str) -> str:
    return nine + str(luhn_check_digit(nine))


@pytest.mark.parametrize(
    "raw",
    ["19121212-1212", "191212121212", "121212+1212", " 19121212-1212 ", "19121212+1212"],
)
def test_it_accepts_the_usual_input_forms_of_tolvan(raw):
    identity = parse(raw)
    assert identity.number == "191212121212"
    assert identity.formatted == "19121212-1212"
    assert identity.birth_date == date(1912, 12, 12)
    assert identity.kind == "personnummer"
    assert identity.sex == "male"


def test_a_ten_digit_number_without_plus_is_someone_under_100():
    assert parse("121212-1212").birth_date == date(2012, 12, 12)
    assert parse("1212121212").number == "201212121212"


def test_the_plus_separator_means_100_years_or_older():
    assert parse("121212+1212").birth_date.year == 1912


def test_a_ten_digit_number_resolves_to_the_most_recent_past_century():
    number = with_check_digit("301124998")  # 30-11-24 would be in the future in 2026
    identity = parse(f"{number[:6]}-{number[6:]}")
    assert identity.birth_date == date(1930, 11, 24)


def test_someone_born_today_is_accepted_and_tomorrow_is_not():
    born_today = with_check_digit("261124998")
    assert parse(born_today).birth_date == TODAY
    tomorrow = "20" + with_check_digit("261125998")
    with pytest.raises(InvalidIdentifier) as error:
        parse(tomorrow)
    assert error.value.code == "future"


def test_a_ten_digit_number_born_today_100_years_ago_needs_plus():
    number = with_check_digit("261124998")
    assert parse(f"{number[:6]}+{number[6:]}").birth_date == date(1926, 11, 24)


@pytest.mark.parametrize(
    ("nine", "century"),
    [
        ("000229998", "20"),  # 2000 is a leap year
        ("960229998", "19"),  # 1996 is a leap year
    ],
)
def test_it_accepts_february_29_in_a_leap_year(nine, century):
    assert parse(century + with_check_digit(nine)).birth_date.day == 29


@pytest.mark.parametrize(
    "nine",
    [
        "250229998",  # 2025 is not a leap year
        "001329998",  # month 13
        "000029998",  # month 00
        "000100998",  # day 00
        "000132998",  # day 32
        "000431998",  # April 31
    ],
)
def test_it_rejects_dates_that_do_not_exist(nine):
    with pytest.raises(InvalidIdentifier) as error:
        parse("20" + with_check_digit(nine))
    assert error.value.code == "date"


def test_it_rejects_1900_02_29_because_1900_was_not_a_leap_year():
    with pytest.raises(InvalidIdentifier):
        parse("19" + with_check_digit("000229998"))


def test_it_rejects_a_wrong_check_digit_and_says_the_expected_one():
    with pytest.raises(InvalidIdentifier) as error:
        parse("19121212-1213")
    assert error.value.code == "checksum"
    assert "expected 2" in error.value.message


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "abc",
        "1912121212",
        "19121212-121",
        "19121212-12123",
        "191212-121212",
        "19121212 1212",
        "19121212_1212",
        "2012-12-12-1212",
        "19121212--1212",
    ],
)
def test_it_rejects_garbage(raw):
    with pytest.raises(InvalidIdentifier) as error:
        parse(raw)
    assert error.value.code in {"empty", "format", "checksum", "date"}


def test_empty_input_has_its_own_code():
    with pytest.raises(InvalidIdentifier) as error:
        parse("")
    assert error.value.code == "empty"


def test_a_samordningsnummer_has_day_plus_60_and_the_real_birth_date():
    number = "19" + with_check_digit("121272998")  # born 1912-12-12, day 12 + 60
    identity = parse(number)
    assert identity.kind == "samordningsnummer"
    assert identity.birth_date == date(1912, 12, 12)
    assert identity.number == number


@pytest.mark.parametrize("day", ["60", "92", "99"])
def test_it_rejects_samordningsnummer_days_outside_61_to_91(day):
    with pytest.raises(InvalidIdentifier) as error:
        parse("19" + with_check_digit(f"1201{day}998"))
    assert error.value.code == "date"


@pytest.mark.parametrize(
    ("ninth", "sex"), [("1", "male"), ("3", "male"), ("2", "female"), ("0", "female")]
)
def test_the_ninth_digit_gives_the_sex(ninth, sex):
    assert parse("19" + with_check_digit(f"40010198{ninth}")).sex == sex


@pytest.mark.parametrize(("nine", "digit"), [("121212121", 2), ("811218987", 6), ("000000000", 0)])
def test_luhn_check_digit_known_values(nine, digit):
    assert luhn_check_digit(nine) == digit


def test_age_on_counts_birthdays():
    identity = parse("19121212-1212")
    assert identity.age_on(date(2026, 12, 11)) == 113
    assert identity.age_on(date(2026, 12, 12)) == 114


def test_describe_gives_json_ready_shapes():
    assert describe_personal_identity("121212-1212", today=TODAY) == {
        "valid": True,
        "normalized": "20121212-1212",
        "kind": "personnummer",
        "birth_date": "2012-12-12",
        "sex": "male",
    }
    invalid = describe_personal_identity("19121212-1213", today=TODAY)
    assert invalid["valid"] is False
    assert invalid["code"] == "checksum"
    assert "check digit" in invalid["error"]


@pytest.mark.parametrize(
    "value", ["SE2321000180-INF30", "SE2120002080-a1", "SE2321000180-" + "A" * 18]
)
def test_it_accepts_valid_hsa_ids(value):
    assert validate_hsa_id(value) == value
    assert is_valid_hsa_id(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "empty"),
        ("2321000180-ABC", "format"),
        ("SE232100018-ABC", "format"),  # nine digits
        ("SE2321000180ABC", "format"),  # no dash
        ("SE2321000180-", "format"),
        ("SE2321000180-AB_C", "format"),
        ("SE2321000180-ÅBC", "format"),
        ("se2321000180-ABC", "format"),
        ("SE2321000180-" + "A" * 19, "length"),  # 32 characters
    ],
)
def test_it_rejects_invalid_hsa_ids(value, code):
    with pytest.raises(InvalidIdentifier) as error:
        validate_hsa_id(value)
    assert error.value.code == code
    assert not is_valid_hsa_id(value)


@pytest.mark.parametrize(
    ("value", "display"), [("232100-0180", "232100-0180"), ("2120002080", "212000-2080")]
)
def test_it_accepts_organisation_numbers(value, display):
    assert validate_organisation_number(value) == display


@pytest.mark.parametrize(
    ("value", "code"), [("232100-0181", "checksum"), ("23210-00180", "format"), ("", "empty")]
)
def test_it_rejects_bad_organisation_numbers(value, code):
    with pytest.raises(InvalidIdentifier) as error:
        validate_organisation_number(value)
    assert error.value.code == code


@pytest.mark.parametrize(
    ("value", "normalized"),
    [
        ("023-49 00 00", "023490000"),
        ("070-174 06 05", "0701740605"),
        ("+46 70 174 06 05", "+46701740605"),
        ("0046701740605", "+46701740605"),
        ("112", "112"),
        ("1177", "1177"),
    ],
)
def test_it_normalises_phone_numbers(value, normalized):
    assert normalize_phone(value) == normalized


@pytest.mark.parametrize("value", ["", "12", "070-ABC", "+46 70 123 45 67 89 01 23", "++4670"])
def test_it_rejects_bad_phone_numbers(value):
    with pytest.raises(InvalidIdentifier):
        normalize_phone(value)


hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(
    birth=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    serial=st.integers(min_value=0, max_value=999),
    coordination=st.booleans(),
)
def test_every_valid_number_round_trips_through_its_display_form(birth, serial, coordination):
    day = birth.day + (60 if coordination else 0)
    nine = f"{birth:%y%m}{day:02d}{serial:03d}"
    number = f"{birth.year // 100}{with_check_digit(nine)}"
    identity = parse(number)
    assert identity.birth_date == birth
    assert identity.kind == ("samordningsnummer" if coordination else "personnummer")
    assert parse(identity.formatted) == identity


def test_a_birth_more_than_130_years_ago_is_a_typing_error():
    born_1800 = "18" + with_check_digit("001212998")
    with pytest.raises(InvalidIdentifier) as error:
        parse(born_1800)
    assert error.value.code == "too_old"
    assert parse("18" + with_check_digit("961212998")).birth_date == date(1896, 12, 12)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1", 1),
        ("0042", 42),
        (17, 17),
        (str(2**63 - 1), 2**63 - 1),
        (str(2**63), None),  # beyond bigint
        ("9" * 40, None),
        ("0", None),
        ("-1", None),
        (" 1", None),
        ("1_000", None),
        ("²", None),  # str.isdigit() says yes, int() says no
        ("٣", None),  # Arabic-Indic three: int() reads it, no id is written so
        ("", None),
        (None, None),
        ("1e3", None),
    ],
)
def test_a_row_id_is_plain_digits_a_database_column_holds(text, expected):
    assert row_id(text) == expected
