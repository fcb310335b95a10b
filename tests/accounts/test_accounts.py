"""Organisations, units, staff: validation, constraints, the unit switcher and the admin."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from hemma.accounts.middleware import SESSION_KEY
from hemma.accounts.models import Organisation, Unit


@pytest.mark.django_db
class TestValidation:
    def test_an_invalid_hsa_id_is_explained(self, region):
        unit = Unit(organisation=region, name="X", kind="other", hsa_id="SE123-X")
        with pytest.raises(ValidationError) as error:
            unit.full_clean()
        assert "Ogiltigt HSA-id" in str(error.value.message_dict["hsa_id"])

    def test_an_organisation_number_with_a_wrong_check_digit_is_explained(self):
        organisation = Organisation(
            kind="region", name="R", organisation_number="232100-0181", hsa_id="SE2321000181-X"
        )
        with pytest.raises(ValidationError) as error:
            organisation.full_clean()
        assert "fel kontrollsiffra" in str(error.value.message_dict["organisation_number"])

    def test_a_duplicate_hsa_id_is_rejected(self, ward, region):
        duplicate = Unit(organisation=region, name="Annan", kind="other", hsa_id=ward.hsa_id)
        with pytest.raises(ValidationError) as error:
            duplicate.full_clean()
        assert "hsa_id" in error.value.message_dict

    def test_the_database_requires_beds_for_a_ward_and_none_elsewhere(self, region):
        with pytest.raises(IntegrityError), transaction.atomic():
            Unit.objects.create(organisation=region, name="A", kind="ward", hsa_id="SE2321000180-A")
        with pytest.raises(IntegrityError), transaction.atomic():
            Unit.objects.create(
                organisation=region, name="B", kind="primary_care", hsa_id="SE2321000180-B", beds=3
            )


@pytest.mark.django_db
class TestUnitSwitcher:
    def test_a_member_of_two_units_switches_the_acting_unit(self, client, ward, home_health):
        from tests.conftest import make_staff

        staff = make_staff("both", "nurse", ward, home_health)
        client.force_login(staff.user)
        response = client.post(
            reverse("switch_unit"), {"unit": home_health.pk, "next": "/patients/"}
        )
        assert response.status_code == 302
        assert client.session[SESSION_KEY] == home_health.pk
        page = client.get(reverse("patients:list")).content.decode()
        assert f'<option value="{home_health.pk}" title="{home_health.name}" selected>' in page

    def test_switching_to_a_foreign_unit_is_refused(self, as_ward_nurse, ward, home_health):
        response = as_ward_nurse.post(reverse("switch_unit"), {"unit": home_health.pk}, follow=True)
        assert "bara agera för enheter där du är medlem" in response.content.decode()
        assert as_ward_nurse.session.get(SESSION_KEY) is None

    @pytest.mark.parametrize("value", ["", "abc", "999999"])
    def test_garbage_is_refused_without_a_500(self, as_ward_nurse, value):
        assert as_ward_nurse.post(reverse("switch_unit"), {"unit": value}).status_code == 302

    def test_an_external_next_url_is_ignored(self, as_ward_nurse, ward):
        response = as_ward_nurse.post(
            reverse("switch_unit"), {"unit": ward.pk, "next": "https://evil.example/"}
        )
        assert response["Location"] == reverse("home")  # the start page

    @pytest.mark.parametrize("target", ["x", "patients:list", "NaN", "//evil.example/", "a\x00b"])
    def test_a_next_that_is_not_a_path_here_goes_to_the_start_page(self, as_ward_nurse, target):
        """Found by tests/web/test_form_fuzz.py: a bare word was taken for a URL name (500)."""
        response = as_ward_nurse.post(reverse("switch_unit"), {"next": target})
        assert (response.status_code, response["Location"]) == (302, reverse("home"))

    def test_a_path_here_is_kept(self, as_ward_nurse):
        response = as_ward_nurse.post(reverse("switch_unit"), {"next": "/patients/?q=1"})
        assert response["Location"] == "/patients/?q=1"


@pytest.mark.django_db
class TestAdmin:
    def test_an_administrator_reaches_the_admin_for_reference_data(self, client, ward):
        from tests.conftest import make_staff

        admin = make_staff("adm", "administrator", ward)
        admin.user.is_staff = True
        admin.user.save()
        client.force_login(admin.user)
        assert client.get(reverse("admin:index")).status_code == 200
        assert client.get(reverse("admin:accounts_unit_changelist")).status_code == 200

    def test_a_nurse_with_the_staff_flag_still_cannot_use_the_admin(self, client, ward_nurse):
        ward_nurse.user.is_staff = True
        ward_nurse.user.save()
        client.force_login(ward_nurse.user)
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302
        assert "login" in response["Location"]

    def test_patients_and_the_access_log_are_not_in_the_admin(self):
        from django.contrib import admin

        registered = {model._meta.label for model in admin.site._registry}
        assert "patients.Patient" not in registered
        assert "audit.AccessLogEntry" not in registered
        assert "accounts.Unit" in registered


@pytest.mark.django_db
class TestUnitSelectLabels:
    """The header's unit select (issue 19): the name before the comma, so it is not cut at
    1366 px; the whole name where the short one would not tell one's units apart."""

    def test_the_select_shows_the_name_without_the_hospital(self, client, region):
        from tests.conftest import make_staff, make_unit

        ward = make_unit(region, "Infektionsavdelning 30, Falu lasarett", "ward", "I30", beds=20)
        other = make_unit(region, "Infektionsavdelning 30, Mora lasarett", "ward", "M30", beds=20)
        medicine = make_unit(region, "Medicinavdelning 12, Falu lasarett", "ward", "M12", beds=20)
        client.force_login(make_staff("sara", "nurse", ward, other, medicine).user)
        page = client.get(reverse("patients:list")).content.decode()
        assert 'title="Medicinavdelning 12, Falu lasarett"' in page
        assert ">Medicinavdelning 12</option>" in page
        # two units called "Infektionsavdelning 30": their whole names
        assert ">Infektionsavdelning 30, Falu lasarett</option>" in page
        assert ">Infektionsavdelning 30, Mora lasarett</option>" in page
