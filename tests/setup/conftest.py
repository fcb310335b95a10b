from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import make_staff

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "hsa-katalog-exempel.csv"


@pytest.fixture
def example() -> bytes:
    return EXAMPLE.read_bytes()


@pytest.fixture
def operator(db):
    """The operator: an active superuser without a staff profile (adds organisations)."""
    return get_user_model().objects.create_superuser(username="drift", password="x")


@pytest.fixture
def region_admin(ward):
    """An administrator of Region Test (a member of its ward, as the demo's admin is)."""
    staff = make_staff("regionadmin", "administrator", ward)
    staff.user.is_staff = True
    staff.user.save()
    return staff


def csv_bytes(*lines: str, header: str | None = None) -> bytes:
    header = header or (
        "typ;hsa-id;namn;organisationsnummer;organisationstyp;organisation;enhetstyp;"
        "vårdplatser;telefon;förnamn;efternamn;yrke;enhet;roll;användarnamn;e-post"
    )
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def unit_line(hsa_id, name, organisation, kind, beds="", phone="") -> str:
    return f"enhet;{hsa_id};{name};;;{organisation};{kind};{beds};{phone};;;;;;;"


def person_line(hsa_id, first, last, profession, units, role="", username="") -> str:
    return f"person;{hsa_id};;;;;;;;{first};{last};{profession};{units};{role};{username};"
