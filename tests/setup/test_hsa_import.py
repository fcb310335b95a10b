"""The HSA catalogue import: the operator sets up a region and a municipality from one
file; administrators update their own organisations only; every change is in the
administration log; a second import updates and never duplicates."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from hemma.accounts.models import AdministrationLogEntry, Membership, Organisation, Staff, Unit
from hemma.episodes.models import SafetyBed
from hemma.errors import NotAllowed
from hemma.setup import services

from .conftest import csv_bytes, person_line, unit_line

pytestmark = pytest.mark.django_db
Action = AdministrationLogEntry.Action


def test_the_operator_sets_up_a_region_and_a_municipality(operator, example, settings):
    settings.HEMMA_SAFETY_BEDS_PER_WARD = 2
    result = services.hsa_import_file(by=operator, data=example)
    assert result.errors == [] and result.rows == 13
    assert len(result.created) == 13 and result.updated == [] and result.unchanged == 0
    region = Organisation.objects.get(hsa_id="SE2321000032-EXRG")
    assert region.kind == "region" and region.organisation_number == "232100-0032"
    ward = Unit.objects.get(hsa_id="SE2321000032-EX32")
    assert (ward.kind, ward.beds, ward.organisation) == ("ward", 22, region)
    assert list(SafetyBed.objects.filter(ward=ward).values_list("label", flat=True)) == [
        "Plats 23",
        "Plats 24",
    ]
    ada = Staff.objects.select_related("user").get(hsa_id="SE2321000032-EXA1")
    assert ada.user.username == "ada.admin" and ada.user.email == "ada.adminsson@example.org"
    assert not ada.user.has_usable_password() and ada.user.is_staff
    assert ada.profession == "administrator"
    assert set(ada.memberships.values_list("unit__hsa_id", flat=True)) == {
        "SE2321000032-EXIT",
        "SE2321000032-EX32",
    }
    leo = Staff.objects.get(hsa_id="SE2321000032-EXL1")
    assert leo.memberships.get().role == "manager" and not leo.user.is_staff
    assert Staff.objects.get(hsa_id="SE2120002064-EXA2").memberships.get().role == "log_reviewer"
    # Everything through the accounts services: the administration log has it all.
    logged = list(AdministrationLogEntry.objects.values_list("action", flat=True))
    assert logged.count(Action.ORGANISATION_CREATED) == 2
    assert logged.count(Action.UNIT_CREATED) == 5
    assert logged.count(Action.STAFF_CREATED) == 6
    assert logged.count(Action.MEMBERSHIP_ADDED) == 7
    places = AdministrationLogEntry.objects.get(action=Action.UNIT_CHANGED)
    assert places.organisation == region
    assert places.detail == "Infektionsavdelning 32: trygghetsplats tillagd: Plats 23, Plats 24"


def test_a_second_import_changes_nothing_and_an_edited_one_updates(operator, example):
    services.hsa_import_file(by=operator, data=example)
    counts = (Organisation.objects.count(), Unit.objects.count(), Staff.objects.count())
    log = AdministrationLogEntry.objects.count()
    again = services.hsa_import_file(by=operator, data=example)
    assert again.errors == [] and again.created == [] and again.updated == []
    assert again.unchanged == 13
    assert (Organisation.objects.count(), Unit.objects.count(), Staff.objects.count()) == counts
    assert AdministrationLogEntry.objects.count() == log
    edited = (
        example.decode()
        .replace(
            "Infektionsavdelning 32;;;SE2321000032-EXRG;Vårdavdelning;22",
            "Infektion 32;;;SE2321000032-EXRG;Vårdavdelning;24",
        )
        .replace("Sara;Sjöberg;Sjuksköterska", "Sara;Sjöberg-Ek;Läkare")
        .replace(
            "Vera;Vik;Vårdkoordinator;SE2321000032-EXVC;",
            "Vera;Vik;Vårdkoordinator;SE2321000032-EXVC;Chef",
        )
    )
    result = services.hsa_import_file(by=operator, data=edited.encode())
    assert result.errors == []
    assert sorted(result.updated) == [
        "Infektion 32 (SE2321000032-EX32)",
        "Sara Sjöberg-Ek (SE2321000032-EXS1)",
        "Vera Vik (SE2321000032-EXV1)",
    ]
    ward = Unit.objects.get(hsa_id="SE2321000032-EX32")
    assert (ward.name, ward.beds) == ("Infektion 32", 24)
    # The ward already has its place: no new one because the beds changed.
    assert SafetyBed.objects.filter(ward=ward).count() == 1
    sara = Staff.objects.select_related("user").get(hsa_id="SE2321000032-EXS1")
    assert sara.profession == "physician" and sara.user.last_name == "Sjöberg-Ek"
    assert Staff.objects.get(hsa_id="SE2321000032-EXV1").memberships.get().role == "manager"
    actions = set(
        AdministrationLogEntry.objects.order_by("-id")[:4].values_list("action", flat=True)
    )
    assert actions == {
        Action.UNIT_CHANGED,
        Action.PROFESSION_CHANGED,
        Action.STAFF_CHANGED,
        Action.MEMBERSHIP_ROLE_CHANGED,
    }


def test_an_administrator_imports_into_his_own_organisation_only(
    region_admin, region, ward, municipality, home_health
):
    data = csv_bytes(
        "organisation;SE2321000180-TEST;Region Test;232100-0180;region;;;;;;;;;;;",
        "organisation;SE2120002080-TEST;Testkommun;212000-2080;kommun;;;;;;;;;;;",
        "organisation;SE2120001934-NEW;Ny kommun;212000-1934;kommun;;;;;;;;;;;",
        unit_line("SE2321000180-A31", "Avd 31", "SE2321000180-TEST", "avdelning", beds="18"),
        unit_line("SE2321000180-A32", "Avd 32", "232100-0180", "avdelning", beds="12"),
        unit_line("SE2120002080-HS2", "Hemsjukvård 2", "SE2120002080-TEST", "hemsjukvård"),
        unit_line("SE2120002080-HSV", "Stulen", "SE2321000180-TEST", "hemsjukvård"),
        person_line("SE2321000180-N1", "Nora", "Nurse", "ssk", "SE2321000180-A31"),
        person_line("SE2321000180-N2", "Nils", "Nurse", "ssk", "SE2120002080-HSV"),
        person_line("SE2321000180-N3", "Noa", "Nurse", "ssk", "SE2321000180-A31|SE2120002080-HSV"),
        person_line("SE2321000180-N4", "Nea", "Nurse", "ssk", "SE2321000180-NONE"),
    )
    result = services.hsa_import_file(by=region_admin.user, data=data)
    assert sorted(result.created) == [
        "Avd 31 (SE2321000180-A31)",
        "Avd 32 (SE2321000180-A32)",
        "Nora Nurse (SE2321000180-N1)",
    ]
    assert result.unchanged == 1  # his own organisation, as it is
    assert [str(e) for e in result.errors] == [
        "Rad 3: Du kan bara administrera din egen organisation.",
        "Rad 4: Bara driftansvarig (superuser) kan lägga upp och ta bort organisationer.",
        "Rad 7: Du kan bara administrera din egen organisation.",
        "Rad 8: Du kan bara administrera din egen organisation.",
        "Rad 10: Du kan bara administrera din egen organisation.",
        "Rad 11: Du kan bara administrera din egen organisation.",
        "Rad 12: enheten SE2321000180-NONE finns inte (lägg den i filen före personen).",
    ]
    assert not Organisation.objects.filter(hsa_id="SE2120001934-NEW").exists()
    assert Unit.objects.get(hsa_id="SE2120002080-HSV").name == "Hemsjukvården Test"
    assert not Staff.objects.filter(hsa_id__in=["SE2321000180-N2", "SE2321000180-N3"]).exists()
    assert SafetyBed.objects.filter(ward__hsa_id="SE2321000180-A31").get().label == "Plats 19"
    nora = Staff.objects.get(hsa_id="SE2321000180-N1")
    assert AdministrationLogEntry.objects.filter(
        target=nora, action=Action.STAFF_CREATED, organisation=region
    ).exists()


def test_a_clash_with_an_existing_user_or_unit_name_is_a_line_error(region_admin, ward):
    data = csv_bytes(
        unit_line("SE2321000180-X1", "Infektionsavdelning", "SE2321000180-TEST", "Annan"),
        person_line(
            "SE2321000180-N1", "Re", "Gion", "ssk", "SE2321000180-INF", username="REGIONADMIN"
        ),
    )
    errors = [str(e) for e in services.hsa_import_file(by=region_admin.user, data=data).errors]
    assert errors[0].startswith("Rad 2: ") and "finns redan" in errors[0]
    assert errors[1] == "Rad 3: användarnamnet REGIONADMIN används redan."


def test_a_nurse_may_not_import(ward_nurse, example):
    with pytest.raises(NotAllowed, match="Bara administratörer"):
        services.hsa_import_file(by=ward_nurse.user, data=example)
    assert not Organisation.objects.filter(hsa_id="SE2321000032-EXRG").exists()


def test_a_person_working_elsewhere_keeps_his_profession(region_admin, ward, home_health):
    both = Staff.objects.create(
        user=get_user_model().objects.create_user("delad", first_name="Del", last_name="Ad"),
        profession="nurse",
        hsa_id="SE2321000180-DEL",
    )
    Membership.objects.create(staff=both, unit=ward)
    Membership.objects.create(staff=both, unit=home_health)
    data = csv_bytes(
        person_line("SE2321000180-DEL", "Del", "Ad", "administratör", "SE2321000180-INF")
    )
    errors = [str(e) for e in services.hsa_import_file(by=region_admin.user, data=data).errors]
    assert errors == [
        "Rad 2: Del Ad arbetar också för en organisation som du inte administrerar; be den "
        "organisationens administratör om ändringen."
    ]
    both.refresh_from_db()
    assert both.profession == "nurse"


def test_the_command(operator, example, tmp_path, capsys):
    path = tmp_path / "hsa.csv"
    bad = (
        example.decode()
        + "person;SE2321000032-EXS1;;;;;;;;Dubbel;Dubbelsson;ssk;SE2321000032-EX32;;;\n"
    )
    path.write_text(bad, encoding="utf-8")
    call_command("hsa_import", str(path), by="drift")
    out = capsys.readouterr().out
    assert "ny: Infektionsavdelning 32 (SE2321000032-EX32)" in out
    assert "Rad 15: HSA-id SE2321000032-EXS1 finns redan på rad 10 i filen." in out
    assert out.strip().endswith("14 rader: 13 nya, 0 ändrade, 0 oförändrade, 1 felaktiga")
    with pytest.raises(CommandError, match="no active user"):
        call_command("hsa_import", str(path), by="nobody")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("hsa_import", str(tmp_path / "missing.csv"), by="drift")
    path.write_bytes("typ;hsa-id\nenhet;Å".encode("latin-1"))
    with pytest.raises(CommandError, match="inte UTF-8"):
        call_command("hsa_import", str(path), by="drift")
