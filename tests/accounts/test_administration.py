"""Administrators manage only their own organisation, and every change is logged (issue 13).

The attack: a municipal administrator gave himself a membership in a region ward in
Django admin and then read a region patient. Now the admin is scoped to the
organisations one administers, memberships, roles and professions change only through
hemma.accounts.services, and each change lands in the administration log that the
organisation's log reviewers read (audit:admin_log).
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from hemma.accounts import services
from hemma.accounts.models import AdministrationLogEntry, Membership, Staff, Unit
from hemma.accounts.selectors import administered_organisation_ids
from hemma.errors import AppendOnlyError, NotAllowed
from tests.conftest import make_staff

Action = AdministrationLogEntry.Action
ADMIN_LOG = reverse("audit:admin_log")
STAFF_CHANGELIST = reverse("admin:accounts_staff_changelist")


def staff_change(staff):
    return reverse("admin:accounts_staff_change", args=[staff.pk])


def patient_detail(patient):
    return reverse("patients:detail", kwargs={"patient_id": patient.pk})


def administrator(username, *units):
    staff = make_staff(username, "administrator", *units)
    staff.user.is_staff = True
    staff.user.save()
    return staff


@pytest.fixture
def municipal_admin(home_health):
    return administrator("kommunadmin", home_health)


@pytest.fixture
def region_admin(ward):
    return administrator("regionadmin", ward)


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser("drift", "drift@example.org", "x-password")


def staff_form(staff, memberships=(), new=()):
    """The POST of the staff change page: own fields, the shown membership rows, new rows."""
    rows = [(m.pk, m.unit_id, m.role) for m in memberships] + [(None, u.pk, r) for u, r in new]
    data = {
        "profession": staff.profession,
        "hsa_id": staff.hsa_id,
        "memberships-TOTAL_FORMS": str(len(rows)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for i, (pk, unit_id, role) in enumerate(rows):
        data[f"memberships-{i}-id"] = str(pk or "")
        data[f"memberships-{i}-staff"] = str(staff.pk)
        data[f"memberships-{i}-unit"] = str(unit_id)
        data[f"memberships-{i}-role"] = role
    return data


@pytest.mark.django_db
class TestTheRule:
    def test_an_administrator_administers_the_organisations_of_his_memberships(
        self, municipal_admin, municipality
    ):
        assert administered_organisation_ids(municipal_admin.user) == {municipality.pk}

    def test_a_nurse_administers_nothing_and_the_operator_everything(self, ward_nurse, operator):
        assert administered_organisation_ids(ward_nurse.user) == set()
        assert administered_organisation_ids(operator) is None

    def test_a_superuser_with_a_staff_profile_is_scoped_by_the_profile(self, ward_nurse):
        ward_nurse.user.is_superuser = True
        ward_nurse.user.save()
        assert administered_organisation_ids(ward_nurse.user) == set()

    def test_a_deactivated_administrator_administers_nothing(self, municipal_admin):
        municipal_admin.user.is_active = False
        municipal_admin.user.save()
        assert administered_organisation_ids(municipal_admin.user) == set()


@pytest.mark.django_db
class TestMunicipalAdministratorInTheAdmin:
    """The attack, step by step: every door is closed and nothing is written."""

    @pytest.fixture
    def as_municipal_admin(self, client, municipal_admin):
        client.force_login(municipal_admin.user)
        return client

    def test_region_staff_are_not_in_the_staff_list(
        self, as_municipal_admin, ward_nurse, home_nurse
    ):
        page = as_municipal_admin.get(STAFF_CHANGELIST).content.decode()
        assert home_nurse.display_name in page
        assert ward_nurse.display_name not in page

    def test_a_region_staff_member_s_pages_do_not_exist_for_him(
        self, as_municipal_admin, ward_nurse
    ):
        for url in (
            staff_change(ward_nurse),
            reverse("admin:accounts_staff_delete", args=[ward_nurse.pk]),
            reverse("admin:accounts_staff_history", args=[ward_nurse.pk]),
        ):
            assert as_municipal_admin.get(url).status_code in (403, 404), url

    def test_a_post_to_a_region_staff_member_changes_nothing(self, as_municipal_admin, ward_nurse):
        data = staff_form(ward_nurse, ward_nurse.memberships.all())
        data["profession"] = "administrator"
        assert as_municipal_admin.post(staff_change(ward_nurse), data).status_code in (403, 404)
        ward_nurse.refresh_from_db()
        assert ward_nurse.profession == "nurse"
        assert not AdministrationLogEntry.objects.exists()

    def test_a_crafted_post_cannot_give_him_a_region_ward(
        self, as_municipal_admin, municipal_admin, ward, kim
    ):
        before = Membership.objects.count()
        data = staff_form(
            municipal_admin, municipal_admin.memberships.all(), new=[(ward, "member")]
        )
        response = as_municipal_admin.post(staff_change(municipal_admin), data)
        assert response.status_code == 200  # the form again, with the error
        assert response.context["errors"]
        assert Membership.objects.count() == before
        assert not Membership.objects.filter(staff=municipal_admin, unit=ward).exists()
        assert not AdministrationLogEntry.objects.exists()
        # …and so no way to the region's patient.
        assert as_municipal_admin.get(patient_detail(kim)).status_code == 404

    def test_the_form_refuses_a_foreign_unit_even_if_it_were_offered(self, municipal_admin, ward):
        from django.contrib import admin
        from django.test import RequestFactory

        from hemma.accounts.admin import MembershipInline

        request = RequestFactory().get("/")
        request.user = municipal_admin.user
        inline = MembershipInline(Staff, admin.site)
        form_class = inline.get_formset(request, municipal_admin).form
        form_class.base_fields["unit"].queryset = Unit.objects.all()  # as if the choices leaked
        form = form_class(data={"unit": ward.pk, "role": "member"})
        assert not form.is_valid()
        assert "unit" in form.errors

    def test_region_units_are_not_among_the_choices(
        self, as_municipal_admin, municipal_admin, ward, primary_care, home_health
    ):
        autocomplete = as_municipal_admin.get(
            reverse("admin:autocomplete"),
            {
                "app_label": "accounts",
                "model_name": "membership",
                "field_name": "unit",
                "term": "",
            },
        ).json()
        offered = {int(result["id"]) for result in autocomplete["results"]}
        assert offered == {home_health.pk}
        add_unit = as_municipal_admin.get(reverse("admin:accounts_unit_add"))
        organisations = add_unit.context["adminform"].form.fields["organisation"].queryset
        assert list(organisations) == [home_health.organisation]
        units = as_municipal_admin.get(reverse("admin:accounts_unit_changelist"))
        assert list(units.context["cl"].queryset) == [home_health]

    def test_he_cannot_create_a_unit_in_the_region(self, as_municipal_admin, region):
        response = as_municipal_admin.post(
            reverse("admin:accounts_unit_add"),
            {
                "organisation": region.pk,
                "name": "Smygavdelning",
                "kind": "other",
                "hsa_id": "SE2321000180-SMYG",
            },
        )
        assert response.status_code == 200
        assert not Unit.objects.filter(name="Smygavdelning").exists()

    def test_he_sees_only_his_organisation_and_may_not_add_one(
        self, as_municipal_admin, municipality, region
    ):
        listing = as_municipal_admin.get(reverse("admin:accounts_organisation_changelist"))
        assert list(listing.context["cl"].queryset) == [municipality]
        assert (
            as_municipal_admin.get(
                reverse("admin:accounts_organisation_change", args=[region.pk])
            ).status_code
            == 404
        )
        assert as_municipal_admin.get(reverse("admin:accounts_organisation_add")).status_code == 403

    def test_django_users_and_groups_are_the_operator_s(self, as_municipal_admin, municipal_admin):
        user = municipal_admin.user
        assert as_municipal_admin.get(reverse("admin:auth_user_changelist")).status_code == 403
        response = as_municipal_admin.post(
            reverse("admin:auth_user_change", args=[user.pk]),
            {"username": user.username, "is_superuser": "on", "is_staff": "on", "is_active": "on"},
        )
        assert response.status_code == 403
        user.refresh_from_db()
        assert not user.is_superuser
        assert as_municipal_admin.get(reverse("admin:auth_group_changelist")).status_code == 403

    def test_staff_without_a_membership_can_be_placed_in_his_own_unit(
        self, as_municipal_admin, municipal_admin, home_health
    ):
        user = get_user_model().objects.create_user("ny", first_name="Ny", last_name="Test")
        newcomer = Staff.objects.create(user=user, profession="nurse", hsa_id="SE2120002080-NY")
        assert newcomer.display_name in as_municipal_admin.get(STAFF_CHANGELIST).content.decode()
        response = as_municipal_admin.post(
            staff_change(newcomer), staff_form(newcomer, new=[(home_health, "member")])
        )
        assert response.status_code == 302
        entry = AdministrationLogEntry.objects.get()
        assert entry.action == Action.MEMBERSHIP_ADDED
        assert entry.organisation == home_health.organisation
        assert entry.actor == municipal_admin.user


@pytest.mark.django_db
class TestRegionAdministratorIsLogged:
    @pytest.fixture
    def as_region_admin(self, client, region_admin):
        client.force_login(region_admin.user)
        return client

    def test_adding_a_membership_is_logged(
        self, as_region_admin, region_admin, ward_nurse, primary_care, region
    ):
        data = staff_form(ward_nurse, ward_nurse.memberships.all(), new=[(primary_care, "member")])
        assert as_region_admin.post(staff_change(ward_nurse), data).status_code == 302
        assert Membership.objects.filter(staff=ward_nurse, unit=primary_care).exists()
        entry = AdministrationLogEntry.objects.get()
        assert entry.action == Action.MEMBERSHIP_ADDED
        assert entry.actor == region_admin.user
        assert entry.actor_display == f"Regionadmin Test ({region_admin.hsa_id})"
        assert entry.target == ward_nurse
        assert entry.target_display == f"Wardnurse Test ({ward_nurse.hsa_id})"
        assert entry.organisation == region
        assert entry.detail == "Vårdcentral Test: medarbetare"

    def test_changing_a_role_is_logged(self, as_region_admin, ward_nurse):
        membership = ward_nurse.memberships.get()
        data = staff_form(ward_nurse, [membership])
        data["memberships-0-role"] = "log_reviewer"
        assert as_region_admin.post(staff_change(ward_nurse), data).status_code == 302
        membership.refresh_from_db()
        assert membership.role == "log_reviewer"
        entry = AdministrationLogEntry.objects.get()
        assert entry.action == Action.MEMBERSHIP_ROLE_CHANGED
        assert entry.detail == "Infektionsavdelning: medarbetare → logggranskare"

    def test_changing_a_profession_is_logged(self, as_region_admin, ward_nurse):
        data = staff_form(ward_nurse, ward_nurse.memberships.all())
        data["profession"] = "physician"
        assert as_region_admin.post(staff_change(ward_nurse), data).status_code == 302
        ward_nurse.refresh_from_db()
        assert ward_nurse.profession == "physician"
        entry = AdministrationLogEntry.objects.get()
        assert entry.action == Action.PROFESSION_CHANGED
        assert entry.target == ward_nurse
        assert entry.detail == "sjuksköterska → läkare"

    def test_removing_a_membership_is_logged(self, as_region_admin, ward_nurse):
        membership = ward_nurse.memberships.get()
        data = staff_form(ward_nurse, [membership])
        data["memberships-0-DELETE"] = "on"
        assert as_region_admin.post(staff_change(ward_nurse), data).status_code == 302
        assert not ward_nurse.memberships.exists()
        entry = AdministrationLogEntry.objects.get()
        assert entry.action == Action.MEMBERSHIP_REMOVED
        assert entry.detail == "Infektionsavdelning: medarbetare"

    def test_moving_a_membership_to_another_unit_is_a_removal_and_an_addition(
        self, as_region_admin, ward_nurse, primary_care
    ):
        data = staff_form(ward_nurse, ward_nurse.memberships.all())
        data["memberships-0-unit"] = str(primary_care.pk)
        assert as_region_admin.post(staff_change(ward_nurse), data).status_code == 302
        assert list(ward_nurse.memberships.values_list("unit", flat=True)) == [primary_care.pk]
        actions = list(
            AdministrationLogEntry.objects.order_by("id").values_list("action", flat=True)
        )
        assert actions == [Action.MEMBERSHIP_REMOVED, Action.MEMBERSHIP_ADDED]

    def test_he_does_not_see_the_municipal_membership_of_a_shared_nurse(
        self, as_region_admin, ward, home_health
    ):
        shared = make_staff("delad", "nurse", ward, home_health)
        response = as_region_admin.get(staff_change(shared))
        assert response.status_code == 200
        formset = response.context["inline_admin_formsets"][0].formset
        assert [form.instance.unit for form in formset.initial_forms] == [ward]
        # A staff-wide field would change the person for the municipality too: read-only.
        assert "profession" not in response.context["adminform"].form.fields

    def test_a_unit_change_is_logged(self, as_region_admin, ward, region):
        response = as_region_admin.post(
            reverse("admin:accounts_unit_change", args=[ward.pk]),
            {
                "organisation": region.pk,
                "name": ward.name,
                "kind": "ward",
                "hsa_id": ward.hsa_id,
                "phone": "023-49 11 11",
                "beds": "22",
            },
        )
        assert response.status_code == 302
        entry = AdministrationLogEntry.objects.get()
        assert entry.action == Action.UNIT_CHANGED
        assert entry.detail == "Infektionsavdelning: telefon: 023-49 00 00 → 023-49 11 11"

    def test_deactivating_an_account_is_logged(self, as_region_admin, ward_nurse):
        response = as_region_admin.post(
            STAFF_CHANGELIST,
            {"action": "deactivate_accounts", "_selected_action": [ward_nurse.pk]},
        )
        assert response.status_code == 302
        ward_nurse.user.refresh_from_db()
        assert not ward_nurse.user.is_active
        assert AdministrationLogEntry.objects.get().action == Action.STAFF_DEACTIVATED

    def test_a_logged_staff_member_cannot_be_deleted_only_deactivated(
        self, as_region_admin, ward_nurse
    ):
        data = staff_form(ward_nurse, ward_nurse.memberships.all())
        data["profession"] = "physician"
        as_region_admin.post(staff_change(ward_nurse), data)
        delete = reverse("admin:accounts_staff_delete", args=[ward_nurse.pk])
        as_region_admin.post(delete, {"post": "yes"})
        assert Staff.objects.filter(pk=ward_nurse.pk).exists()


@pytest.mark.django_db
class TestTheOperator:
    def test_the_operator_sees_everything_and_is_logged_too(
        self, client, operator, ward_nurse, home_nurse, home_health, municipality
    ):
        client.force_login(operator)
        page = client.get(STAFF_CHANGELIST).content.decode()
        assert ward_nurse.display_name in page and home_nurse.display_name in page
        data = staff_form(ward_nurse, ward_nurse.memberships.all(), new=[(home_health, "member")])
        assert client.post(staff_change(ward_nurse), data).status_code == 302
        entry = AdministrationLogEntry.objects.get()
        assert (entry.actor, entry.actor_display, entry.organisation) == (
            operator,
            "drift",
            municipality,
        )

    def test_deactivating_a_user_in_django_s_user_admin_is_logged(
        self, client, operator, ward_nurse
    ):
        client.force_login(operator)
        url = reverse("admin:auth_user_change", args=[ward_nurse.user.pk])
        form = client.get(url).context["adminform"].form
        data = {
            name: value
            for name, value in form.initial.items()
            if value not in (None, False) and name not in ("groups", "user_permissions")
        }
        data.pop("is_active")
        data.update({"last_login_0": "", "last_login_1": ""})
        data["date_joined_0"], data["date_joined_1"] = (
            timezone.localtime(ward_nurse.user.date_joined).strftime("%Y-%m-%d %H:%M:%S").split()
        )
        response = client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        ward_nurse.user.refresh_from_db()
        assert not ward_nurse.user.is_active
        assert AdministrationLogEntry.objects.get().action == Action.STAFF_DEACTIVATED


@pytest.mark.django_db
class TestServices:
    def test_a_foreign_unit_is_refused_and_nothing_is_written(self, municipal_admin, ward):
        with pytest.raises(NotAllowed, match="din egen organisation"):
            services.membership_add(by=municipal_admin.user, staff=municipal_admin, unit=ward)
        assert not Membership.objects.filter(unit=ward).exists()
        assert not AdministrationLogEntry.objects.exists()

    def test_a_foreign_membership_cannot_be_removed_or_changed(self, municipal_admin, ward_nurse):
        membership = ward_nurse.memberships.get()
        with pytest.raises(NotAllowed):
            services.membership_remove(by=municipal_admin.user, membership=membership)
        with pytest.raises(NotAllowed):
            services.membership_set_role(
                by=municipal_admin.user, membership=membership, role="log_reviewer"
            )
        with pytest.raises(NotAllowed):
            services.staff_set_profession(
                by=municipal_admin.user, staff=ward_nurse, profession="administrator"
            )
        membership.refresh_from_db()
        assert membership.role == "member"
        assert not AdministrationLogEntry.objects.exists()

    def test_who_is_not_an_administrator_may_change_nothing(self, ward_nurse, primary_care):
        with pytest.raises(NotAllowed, match="Bara administratörer"):
            services.membership_add(by=ward_nurse.user, staff=ward_nurse, unit=primary_care)
        with pytest.raises(NotAllowed):
            services.staff_set_profession(
                by=ward_nurse.user, staff=ward_nurse, profession="administrator"
            )
        assert not AdministrationLogEntry.objects.exists()

    def test_a_shared_staff_member_s_profession_needs_every_organisation(
        self, region_admin, ward, home_health
    ):
        shared = make_staff("delad", "nurse", ward, home_health)
        with pytest.raises(NotAllowed, match="arbetar också för"):
            services.staff_set_profession(
                by=region_admin.user, staff=shared, profession="administrator"
            )
        shared.refresh_from_db()
        assert shared.profession == "nurse"
        assert not AdministrationLogEntry.objects.exists()

    def test_an_allowed_change_writes_change_and_entry_together(
        self, region_admin, ward_nurse, primary_care, region
    ):
        membership = services.membership_add(
            by=region_admin.user, staff=ward_nurse, unit=primary_care, role="manager"
        )
        services.membership_set_role(by=region_admin.user, membership=membership, role="member")
        services.membership_remove(by=region_admin.user, membership=membership)
        entries = list(AdministrationLogEntry.objects.order_by("id"))
        assert [(e.action, e.detail) for e in entries] == [
            (Action.MEMBERSHIP_ADDED, "Vårdcentral Test: chef"),
            (Action.MEMBERSHIP_ROLE_CHANGED, "Vårdcentral Test: chef → medarbetare"),
            (Action.MEMBERSHIP_REMOVED, "Vårdcentral Test: medarbetare"),
        ]
        assert {e.organisation for e in entries} == {region}

    def test_a_failure_after_the_check_leaves_no_entry(self, region_admin, ward_nurse, ward):
        from hemma.errors import Conflict

        with pytest.raises(Conflict):
            services.membership_add(by=region_admin.user, staff=ward_nurse, unit=ward)
        assert not AdministrationLogEntry.objects.exists()

    def test_an_unchanged_role_is_not_logged(self, region_admin, ward_nurse):
        membership = ward_nurse.memberships.get()
        services.membership_set_role(by=region_admin.user, membership=membership, role="member")
        assert not AdministrationLogEntry.objects.exists()

    def test_the_detail_is_swedish_whatever_the_language(self, region_admin, ward_nurse):
        from django.utils import translation

        with translation.override("en"):
            services.staff_set_profession(
                by=region_admin.user, staff=ward_nurse, profession="physician"
            )
        assert AdministrationLogEntry.objects.get().detail == "sjuksköterska → läkare"

    def test_only_the_operator_adds_organisations(self, region_admin, operator):
        from hemma.accounts.models import Organisation

        organisation = Organisation(
            kind="private",
            name="Privat Vård",
            organisation_number="556000-0001",
            hsa_id="SE5560000001-P",
        )
        with pytest.raises(NotAllowed):
            services.organisation_save(by=region_admin.user, organisation=organisation)
        services.organisation_save(by=operator, organisation=organisation)
        entry = AdministrationLogEntry.objects.get()
        assert (entry.action, entry.organisation) == (Action.ORGANISATION_CREATED, organisation)


@pytest.mark.django_db
class TestAppendOnly:
    @pytest.fixture
    def entry(self, region_admin, ward_nurse):
        services.staff_set_profession(
            by=region_admin.user, staff=ward_nurse, profession="physician"
        )
        return AdministrationLogEntry.objects.get()

    def test_an_entry_cannot_be_saved_again_or_deleted(self, entry):
        entry.detail = "rewritten"
        with pytest.raises(AppendOnlyError):
            entry.save()
        with pytest.raises(AppendOnlyError):
            entry.delete()

    def test_bulk_update_and_delete_are_refused(self, entry):
        with pytest.raises(AppendOnlyError):
            AdministrationLogEntry.objects.update(detail="x")
        with pytest.raises(AppendOnlyError):
            AdministrationLogEntry.objects.all().delete()
        assert AdministrationLogEntry.objects.get().detail == "sjuksköterska → läkare"

    def test_the_database_refuses_an_update_even_in_raw_sql(self, entry):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE accounts_administrationlogentry SET detail = 'x'")
        assert AdministrationLogEntry.objects.get().detail == "sjuksköterska → läkare"

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="DELETE trigger on PostgreSQL")
    def test_postgresql_refuses_a_delete_even_in_raw_sql(self, entry):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_administrationlogentry")
        assert AdministrationLogEntry.objects.count() == 1


@pytest.mark.django_db
class TestAdministrationLogReview:
    @pytest.fixture
    def entry(self, region_admin, ward_nurse, primary_care):
        services.membership_add(by=region_admin.user, staff=ward_nurse, unit=primary_care)
        return AdministrationLogEntry.objects.get()

    def test_the_region_s_log_reviewer_sees_the_entry(self, as_reviewer, entry):
        response = as_reviewer.get(ADMIN_LOG)
        assert response.status_code == 200
        assert list(response.context["page"].object_list) == [entry]
        page = response.content.decode()
        assert "Regionadmin Test" in page and "Wardnurse Test" in page
        assert "Vårdcentral Test: medarbetare" in page

    def test_the_log_review_page_links_to_it(self, as_reviewer):
        assert ADMIN_LOG in as_reviewer.get(reverse("audit:review")).content.decode()

    def test_a_municipal_log_reviewer_does_not_see_it(self, client, home_health, entry):
        municipal_reviewer = make_staff(
            "kommungranskare", "nurse", home_health, role="log_reviewer"
        )
        client.force_login(municipal_reviewer.user)
        response = client.get(ADMIN_LOG)
        assert response.status_code == 200
        assert not response.context["page"].object_list
        assert "Inga administrativa ändringar." in response.content.decode()

    def test_who_is_not_a_log_reviewer_gets_403(self, as_ward_nurse, region_admin, client, entry):
        assert as_ward_nurse.get(ADMIN_LOG).status_code == 403
        client.force_login(region_admin.user)  # an administrator is not a reviewer
        assert client.get(ADMIN_LOG).status_code == 403

    def test_newest_first_and_filtered_by_date(self, as_reviewer, region_admin, ward_nurse, entry):
        services.staff_set_profession(
            by=region_admin.user, staff=ward_nurse, profession="physician"
        )
        entries = as_reviewer.get(ADMIN_LOG).context["page"].object_list
        assert [e.action for e in entries] == [Action.PROFESSION_CHANGED, Action.MEMBERSHIP_ADDED]
        today = timezone.localdate()
        tomorrow = (today + timedelta(days=1)).isoformat()
        assert len(as_reviewer.get(ADMIN_LOG, {"date_to": today.isoformat()}).context["page"]) == 2
        assert not as_reviewer.get(ADMIN_LOG, {"date_from": tomorrow}).context["page"].object_list

    def test_a_reversed_date_range_is_a_form_error(self, as_reviewer, entry):
        response = as_reviewer.get(ADMIN_LOG, {"date_from": "2026-02-01", "date_to": "2026-01-01"})
        assert response.status_code == 200
        assert response.context["page"] is None
        assert "Från-datum" in response.content.decode()

    def test_a_new_unit_in_another_organisation_stays_there(
        self, as_reviewer, operator, municipality
    ):
        unit = Unit(
            organisation=municipality, name="Ny enhet", kind="other", hsa_id="SE2120002080-NY"
        )
        services.unit_save(by=operator, unit=unit)
        assert not as_reviewer.get(ADMIN_LOG).context["page"].object_list


@pytest.mark.django_db
class TestCreatingInTheAdmin:
    def test_a_new_staff_member_with_a_membership_is_logged_twice(
        self, client, municipal_admin, home_health, municipality
    ):
        user = get_user_model().objects.create_user(
            "nyanställd", first_name="Nya", last_name="Test"
        )
        client.force_login(municipal_admin.user)
        data = {
            "user": str(user.pk),
            "profession": "nurse",
            "hsa_id": "SE2120002080-NYA",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-unit": str(home_health.pk),
            "memberships-0-role": "member",
        }
        response = client.post(reverse("admin:accounts_staff_add"), data)
        assert response.status_code == 302
        staff = Staff.objects.get(user=user)
        entries = list(AdministrationLogEntry.objects.order_by("id"))
        assert [(e.action, e.target, e.organisation) for e in entries] == [
            (Action.STAFF_CREATED, staff, municipality),
            (Action.MEMBERSHIP_ADDED, staff, municipality),
        ]

    def test_a_superuser_account_is_not_offered_for_a_staff_profile(
        self, client, municipal_admin, operator
    ):
        client.force_login(municipal_admin.user)
        form = client.get(reverse("admin:accounts_staff_add")).context["adminform"].form
        assert operator not in form.fields["user"].queryset

    def test_a_unit_added_on_the_organisation_page_is_logged(
        self, client, municipal_admin, municipality, home_health
    ):
        client.force_login(municipal_admin.user)
        data = {
            "kind": municipality.kind,
            "name": municipality.name,
            "organisation_number": municipality.organisation_number,
            "hsa_id": municipality.hsa_id,
            "units-TOTAL_FORMS": "2",
            "units-INITIAL_FORMS": "1",
            "units-MIN_NUM_FORMS": "0",
            "units-MAX_NUM_FORMS": "1000",
            "units-0-id": str(home_health.pk),
            "units-0-organisation": str(municipality.pk),
            "units-0-name": home_health.name,
            "units-0-kind": home_health.kind,
            "units-0-hsa_id": home_health.hsa_id,
            "units-0-phone": home_health.phone,
            "units-0-beds": "",
            "units-1-organisation": str(municipality.pk),
            "units-1-name": "Rehab Test",
            "units-1-kind": "other",
            "units-1-hsa_id": "SE2120002080-REH",
            "units-1-phone": "",
            "units-1-beds": "",
        }
        url = reverse("admin:accounts_organisation_change", args=[municipality.pk])
        response = client.post(url, data)
        assert response.status_code == 302, response.context["errors"]
        entry = AdministrationLogEntry.objects.get()
        assert (entry.action, entry.organisation) == (Action.UNIT_CREATED, municipality)
        assert entry.detail == "Rehab Test (annan, SE2120002080-REH)"


@pytest.mark.django_db
def test_a_ward_created_by_an_administrator_gets_its_safety_places(operator, region, settings):
    """HEMMA_SAFETY_BEDS_PER_WARD applies to every new ward (Django admin, the HSA import),
    numbered after its beds, so a patient can go home from a ward set up without the demo."""
    from hemma.episodes.models import SafetyBed

    settings.HEMMA_SAFETY_BEDS_PER_WARD = 2
    ward = Unit(organisation=region, name="Avd 12", kind="ward", beds=20, hsa_id="SE2321000032-A12")
    services.unit_save(by=operator, unit=ward)
    assert list(SafetyBed.objects.filter(ward=ward).values_list("label", flat=True)) == [
        "Plats 21",
        "Plats 22",
    ]
    logged = AdministrationLogEntry.objects.filter(action="unit_changed").get()
    assert logged.detail == "Avd 12: trygghetsplats tillagd: Plats 21, Plats 22"
    other = Unit(organisation=region, name="VC Ny", kind="primary_care", hsa_id="SE2321000032-V9")
    services.unit_save(by=operator, unit=other)
    assert not SafetyBed.objects.filter(ward=other).exists()
