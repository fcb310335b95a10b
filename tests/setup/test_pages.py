"""The setup pages: "Kom igång" on an empty installation and after an import, the upload
page, the safety places page; administrators only (a nurse gets 403 everywhere), CSRF."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hemma.accounts.models import Staff
from hemma.episodes.models import SafetyBed
from hemma.setup import selectors, services
from tests.conftest import client_for, make_staff

from .conftest import csv_bytes

pytestmark = pytest.mark.django_db
START = reverse("setup:start")
IMPORT = reverse("setup:hsa_import")
PLACES = reverse("setup:safety_beds")
FIRST_FILE = csv_bytes(
    "organisation;SE2321000032-EXRG;Region Exempel;232100-0032;Region;;;;;;;;;;;",
    "enhet;SE2321000032-EXIT;Systemförvaltning;;;SE2321000032-EXRG;Annan;;;;;;;;;",
    "person;SE2321000032-EXA1;;;;;;;;Ada;Adminsson;Administratör;SE2321000032-EXIT;;ada.admin;",
)


def checks(user) -> dict[str, bool]:
    (checklist,) = selectors.setup_checklist(user)
    return {item.key: item.done for item in checklist.items}


def ada():
    return Staff.objects.get(hsa_id="SE2321000032-EXA1")


def test_the_checklist_on_an_empty_installation_and_after_the_import(client, operator, example):
    services.hsa_import_file(by=operator, data=FIRST_FILE)
    admin = ada()
    assert checks(admin.user) == {
        "units": False,
        "ward": False,
        "safety_places": False,
        "templates": False,
        "home_health": False,
        "staff": False,
        "economics": False,
        "directory": False,
    }
    page = client_for(client, admin).get(START).content.decode()
    assert "Kom igång" in page and "Region Exempel" in page and "8 saker kvar" in page
    assert f'href="{IMPORT}"' in page
    # The administrator may not add the municipality (line errors): no home health yet.
    result = services.hsa_import_file(by=admin.user, data=example)
    assert len(result.errors) == 5 and not checks(admin.user)["home_health"]
    services.hsa_import_file(by=operator, data=example)
    assert checks(admin.user) == {
        "units": True,
        "ward": True,
        "safety_places": True,
        "templates": False,
        "home_health": True,
        "staff": True,
        "economics": False,
        "directory": False,
    }
    page = client.get(START).content.decode()
    assert "3 saker kvar" in page
    for link in ("careplans:templates", "insights:economics", "coordination:directory_new"):
        assert f'href="{reverse(link)}"' in page
    # Every place out of service: the check fails again, naming the ward.
    bed = SafetyBed.objects.get()
    services.safety_bed_set_in_service(by=admin.user, bed=bed, in_service=False)
    (checklist,) = selectors.setup_checklist(admin.user)
    item = next(i for i in checklist.items if i.key == "safety_places")
    assert not item.done and "Infektionsavdelning 32" in item.missing


def test_the_municipalitys_checklist(operator, example):
    services.hsa_import_file(by=operator, data=example)
    kalle = Staff.objects.get(hsa_id="SE2120002064-EXA2")
    done = checks(kalle.user)
    assert "ward" not in done and done["home_health"] and done["staff"] and done["units"]


def test_the_upload_page_shows_what_was_done(client, operator, example):
    services.hsa_import_file(by=operator, data=FIRST_FILE)
    as_admin = client_for(client, ada())
    broken = example + b"enhet;SE2321000032-EXX;Ny;;;SE2321000032-EXRG;Trollhus;;;;;;;;;\n"
    upload = SimpleUploadedFile("hsa.csv", broken, content_type="text/csv")
    page = as_admin.post(IMPORT, {"file": upload}).content.decode()
    assert "14 rader: 5 nya, 2 ändrade, 1 oförändrade, 6 felaktiga." in page
    assert "Rad 15: okänt värde &#x27;Trollhus&#x27; i kolumnen enhetstyp." in page
    # The region administrator may not touch the municipality: line errors, not a crash.
    assert "Rad 3: Bara driftansvarig (superuser)" in page


def test_the_upload_page_refuses_an_unreadable_file(client, region_admin):
    as_admin = client_for(client, region_admin)
    upload = SimpleUploadedFile("hsa.csv", "typ;hsa-id\nÅ".encode("latin-1"))
    page = as_admin.post(IMPORT, {"file": upload}).content.decode()
    assert "Filen är inte UTF-8 (rad 2)" in page
    upload = SimpleUploadedFile("hsa.csv", b"")
    assert as_admin.post(IMPORT, {"file": upload}).status_code == 200


def test_the_safety_places_page(client, region_admin, ward):
    as_admin = client_for(client, region_admin)
    response = as_admin.post(reverse("setup:safety_bed_add", args=[ward.pk]), {"label": "Plats 23"})
    assert response.status_code == 302
    response = as_admin.post(
        reverse("setup:safety_bed_add", args=[ward.pk]), {"label": "Plats 23"}, follow=True
    )
    assert "har redan en trygghetsplats som heter Plats 23" in response.content.decode()
    bed = SafetyBed.objects.get()
    out = reverse("setup:safety_bed_service", args=[bed.pk, "out"])
    confirm = as_admin.get(out).content.decode()
    assert "Ta Plats 23 på Infektionsavdelning ur drift?" in confirm
    bed.refresh_from_db()
    assert bed.in_service  # asking changes nothing
    page = as_admin.post(out, follow=True).content.decode()
    assert "Plats 23 är tagen ur drift." in page and "Ur drift" in page
    assert (
        as_admin.get(reverse("setup:safety_bed_service", args=[bed.pk, "gone"])).status_code == 404
    )
    assert as_admin.get(reverse("setup:safety_bed_service", args=[999, "out"])).status_code == 404


def test_a_reserved_place_shows_no_patient(client, region_admin, ward, ward_nurse, physician, kim):
    from hemma.episodes import services as episodes
    from tests import flow

    services.safety_bed_add(by=region_admin.user, ward=ward, label="Plats 23")
    episode = flow.to_agreed(patient=kim, ward=ward, nurse=ward_nurse, physician=physician)
    episodes.safety_bed_reserve(staff=ward_nurse, unit=ward, episode=episode)
    page = client_for(client, region_admin).get(PLACES).content.decode()
    assert "Reserverad" in page and "Kim" not in page and "Testsson" not in page
    assert "0 av 1 lediga" in page
    bed = SafetyBed.objects.get()
    page = client.post(
        reverse("setup:safety_bed_service", args=[bed.pk, "out"]), follow=True
    ).content.decode()
    assert "är reserverad för en patient i hemmet" in page


def test_a_nurse_gets_403_everywhere(client, ward_nurse, ward):
    bed = SafetyBed.objects.create(ward=ward, label="Plats 23")
    as_nurse = client_for(client, ward_nurse)
    for url in (START, IMPORT, PLACES, reverse("setup:safety_bed_service", args=[bed.pk, "out"])):
        assert as_nurse.get(url).status_code == 403, url
    posts = {
        IMPORT: {"file": SimpleUploadedFile("x.csv", b"typ;hsa-id\n")},
        reverse("setup:safety_bed_add", args=[ward.pk]): {"label": "Plats 24"},
        reverse("setup:safety_bed_service", args=[bed.pk, "out"]): {},
    }
    for url, data in posts.items():
        assert as_nurse.post(url, data).status_code == 403, url
    bed.refresh_from_db()
    assert bed.in_service and SafetyBed.objects.count() == 1
    assert "Kom igång" not in as_nurse.get(reverse("home"), follow=True).content.decode()


def test_another_organisations_ward_is_not_found(client, ward, home_health):
    municipal_admin = make_staff("kommunadmin", "administrator", home_health)
    bed = SafetyBed.objects.create(ward=ward, label="Plats 23")
    as_admin = client_for(client, municipal_admin)
    assert (
        as_admin.post(reverse("setup:safety_bed_add", args=[ward.pk]), {"label": "X"}).status_code
        == 404
    )
    assert (
        as_admin.post(reverse("setup:safety_bed_service", args=[bed.pk, "out"])).status_code == 404
    )
    assert "Infektionsavdelning" not in as_admin.get(PLACES).content.decode()


def test_the_wards_manager_sees_the_places_and_a_menu_link(client, ward):
    manager = make_staff("avdchef", "nurse", ward, role="manager")
    as_manager = client_for(client, manager)
    page = as_manager.get(PLACES).content.decode()
    assert "Infektionsavdelning" in page and f'href="{PLACES}"' in page
    assert as_manager.get(START).status_code == 403


def test_the_administrator_has_a_menu_link(client, region_admin):
    page = client_for(client, region_admin).get(PLACES).content.decode()
    assert f'href="{START}"' in page and "Kom igång" in page


def test_posts_need_the_csrf_token(region_admin, ward):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(region_admin.user)
    response = csrf_client.post(reverse("setup:safety_bed_add", args=[ward.pk]), {"label": "P"})
    assert response.status_code == 403
    upload = SimpleUploadedFile("x.csv", b"typ;hsa-id\n")
    assert csrf_client.post(IMPORT, {"file": upload}).status_code == 403
    assert not SafetyBed.objects.exists()
