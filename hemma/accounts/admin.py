"""Django admin for reference data only (organisations, units, staff).

Long module: one admin class per model, each with the same scoping rule (below) written
next to its form; they belong together so a reviewer checks the scope in one place.

Patients and the access log are deliberately not registered: every read of
patient data must go through the access policy and the access log.

Scope (issue 13, access policy): an administrator sees and changes only the
organisations he administers (selectors.administered_organisation_ids), their
units, the staff with a membership there (and staff without any membership yet, so
they can be placed), and only those memberships; anything else does not exist for
him (404), and a unit of another organisation is refused even in a crafted POST.
Every change of a membership, role, profession, account, unit or organisation goes
through hemma.accounts.services, which checks the rule again and writes the
administration log. The operator (an active superuser without a staff profile) sees
everything and alone manages organisations, users and groups.
"""

from contextlib import contextmanager

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hemma.errors import HemmaError, NotFound

from . import services
from .models import Membership, Organisation, Staff, Unit
from .selectors import administered_organisation_ids, staff_organisation_ids

User = get_user_model()


def _is_administrator(request) -> bool:
    user = request.user
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    staff = getattr(user, "staff", None)
    return staff is not None and staff.profession == Staff.Profession.ADMINISTRATOR


admin.site.has_permission = _is_administrator
admin.site.site_header = _("Hemma – administration")
admin.site.site_title = _("Hemma")


def _administered(request) -> set[int] | None:
    """The organisations the request's user administers (None: all), once per request."""
    if not hasattr(request, "_hemma_administered"):
        request._hemma_administered = (
            administered_organisation_ids(request.user) if _is_administrator(request) else set()
        )
    return request._hemma_administered


def _is_operator(request) -> bool:
    return _is_administrator(request) and _administered(request) is None


def _administers_all_of(request, staff: Staff) -> bool:
    """Staff-wide fields: only an administrator of every organisation the person works for."""
    administered = _administered(request)
    return administered is None or (
        bool(administered) and staff_organisation_ids(staff) <= administered
    )


@contextmanager
def _refusal_as_403():
    """A service's refusal after the form's own checks (a crafted POST, a race) is a 403
    (404 when the object is gone); the admin's view runs in a transaction, so nothing of
    the request is saved."""
    try:
        yield
    except NotFound as error:
        raise Http404(error.message) from error
    except HemmaError as error:
        raise PermissionDenied(error.message) from error


class AdministratorOnly:
    """Administrators manage reference data without per-model permission bookkeeping."""

    def has_module_permission(self, request):
        return _is_administrator(request)

    def has_view_permission(self, request, obj=None):
        return _is_administrator(request)

    def has_add_permission(self, request, obj=None):
        return _is_administrator(request)

    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission


class ScopedAdmin(AdministratorOnly):
    """Objects outside the administrator's organisations are invisible: lists, choices and
    change, delete and history pages (404, the same as an object that does not exist)."""

    def scope(self, queryset, administered: set[int]):
        raise NotImplementedError

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        administered = _administered(request)
        return queryset if administered is None else self.scope(queryset, administered)

    def in_scope(self, request, obj) -> bool:
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        return _is_administrator(request) and self.in_scope(request, obj)

    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission

    def _get_or_404(self, request, object_id):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._get_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._get_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._get_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)


def _scoped_units(request):
    administered = _administered(request)
    units = Unit.objects.select_related("organisation")
    return units if administered is None else units.filter(organisation_id__in=administered)


def _scoped_organisations(request):
    administered = _administered(request)
    organisations = Organisation.objects.all()
    return organisations if administered is None else organisations.filter(pk__in=administered)


# --- organisations and units -------------------------------------------------------------


class UnitInline(AdministratorOnly, admin.TabularInline):
    model = Unit
    extra = 0

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        administered = _administered(request)
        return (
            queryset if administered is None else queryset.filter(organisation_id__in=administered)
        )


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["name", "kind", "organisation_number", "hsa_id"]
    list_filter = ["kind"]
    search_fields = ["name", "hsa_id", "organisation_number"]
    inlines = [UnitInline]

    def scope(self, queryset, administered):
        return queryset.filter(pk__in=administered)

    def has_add_permission(self, request, obj=None):
        return _is_operator(request)

    def has_delete_permission(self, request, obj=None):
        return _is_operator(request)

    def save_model(self, request, obj, form, change):
        with _refusal_as_403():
            services.organisation_save(by=request.user, organisation=obj)

    def delete_model(self, request, obj):
        with _refusal_as_403():
            services.organisation_delete(by=request.user, organisation=obj)

    def delete_queryset(self, request, queryset):
        for organisation in queryset:
            self.delete_model(request, organisation)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Unit:
            return super().save_formset(request, form, formset, change)
        new, changed, deleted = [], [], []
        with _refusal_as_403():
            for unit_form in formset.initial_forms:
                if unit_form.instance.pk is None:
                    continue
                if unit_form in formset.deleted_forms:
                    services.unit_delete(by=request.user, unit=unit_form.instance)
                    deleted.append(unit_form.instance)
                elif unit_form.has_changed():
                    unit = services.unit_save(by=request.user, unit=unit_form.instance)
                    changed.append((unit, unit_form.changed_data))
            for unit_form in formset.extra_forms:
                if unit_form.has_changed() and unit_form not in formset.deleted_forms:
                    new.append(services.unit_save(by=request.user, unit=unit_form.instance))
        formset.new_objects, formset.changed_objects, formset.deleted_objects = (
            new,
            changed,
            deleted,
        )


@admin.register(Unit)
class UnitAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["name", "kind", "organisation", "hsa_id", "phone", "beds"]
    list_filter = ["kind", ("organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "hsa_id"]
    list_select_related = ["organisation"]

    def scope(self, queryset, administered):
        return queryset.filter(organisation_id__in=administered)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation":
            kwargs["queryset"] = _scoped_organisations(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        with _refusal_as_403():
            services.unit_save(by=request.user, unit=obj)

    def delete_model(self, request, obj):
        with _refusal_as_403():
            services.unit_delete(by=request.user, unit=obj)

    def delete_queryset(self, request, queryset):
        for unit in queryset:
            self.delete_model(request, unit)


# --- staff and memberships ---------------------------------------------------------------


class MembershipInlineForm(forms.ModelForm):
    """Refuses a unit outside the administrator's organisations, whatever the POST says.

    `administered_organisation_ids` is bound per request by MembershipInline.get_formset;
    the default (no organisation) refuses everything.
    """

    administered_organisation_ids: set[int] | None = set()

    class Meta:
        model = Membership
        fields = ["unit", "role"]

    def clean_unit(self):
        unit = self.cleaned_data.get("unit")
        allowed = self.administered_organisation_ids
        if unit is not None and allowed is not None and unit.organisation_id not in allowed:
            raise ValidationError(
                gettext("Du kan bara ge medlemskap i enheter i din egen organisation.")
            )
        return unit


class MembershipInline(AdministratorOnly, admin.TabularInline):
    model = Membership
    form = MembershipInlineForm
    extra = 0
    autocomplete_fields = ["unit"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("unit__organisation")
        administered = _administered(request)
        if administered is None:
            return queryset
        return queryset.filter(unit__organisation_id__in=administered)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = _scoped_units(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = type(
            "MembershipInlineForm",
            (self.form,),
            {"administered_organisation_ids": _administered(request)},
        )
        return super().get_formset(request, obj, **kwargs)


def _with_a_membership_in(organisation_ids):
    return Exists(
        Membership.objects.filter(staff=OuterRef("pk"), unit__organisation_id__in=organisation_ids)
    )


@admin.register(Staff)
class StaffAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["__str__", "profession", "hsa_id", "account_active"]
    list_filter = ["profession", "user__is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "hsa_id"]
    list_select_related = ["user"]
    inlines = [MembershipInline]
    actions = ["deactivate_accounts", "reactivate_accounts"]

    def scope(self, queryset, administered):
        """Staff with a membership in one of my organisations, or with none at all yet."""
        anywhere = Exists(Membership.objects.filter(staff=OuterRef("pk")))
        return queryset.filter(_with_a_membership_in(administered) | ~anywhere)

    @admin.display(boolean=True, description=_("aktivt konto"), ordering="user__is_active")
    def account_active(self, obj):
        return obj.user.is_active

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # The account a profile belongs to is fixed: re-pointing it would hand one
        # person's memberships (and access-log history) to another.
        readonly = ["user"]
        if not _administers_all_of(request, obj):
            readonly += ["profession", "hsa_id"]
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            users = User.objects.filter(staff__isnull=True).order_by("username")
            if not _is_operator(request):
                users = users.filter(is_superuser=False)
            kwargs["queryset"] = users
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return _is_administrator(request)
        return super().has_delete_permission(request, obj) and _administers_all_of(request, obj)

    def save_model(self, request, obj, form, change):
        by = request.user
        with _refusal_as_403():
            if not change:
                services.staff_create(by=by, staff=obj)
                return
            if "profession" in form.changed_data:
                services.staff_set_profession(
                    by=by, staff=obj, profession=form.cleaned_data["profession"]
                )
            if "hsa_id" in form.changed_data:
                services.staff_set_hsa_id(by=by, staff=obj, hsa_id=form.cleaned_data["hsa_id"])

    def delete_model(self, request, obj):
        with _refusal_as_403():
            services.staff_delete(by=request.user, staff=obj)

    def delete_queryset(self, request, queryset):
        for staff in queryset:
            self.delete_model(request, staff)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        by, staff = request.user, form.instance
        new, changed, deleted = [], [], []
        with _refusal_as_403():
            for row in formset.initial_forms:
                if row.instance.pk is None:
                    continue
                if row in formset.deleted_forms:
                    services.membership_remove(by=by, membership=row.instance)
                    deleted.append(row.instance)
                elif row.has_changed():
                    membership = services.membership_change(
                        by=by,
                        membership=row.instance,
                        unit=row.cleaned_data["unit"],
                        role=row.cleaned_data["role"],
                    )
                    changed.append((membership, row.changed_data))
            for row in formset.extra_forms:
                if row.has_changed() and row not in formset.deleted_forms:
                    new.append(
                        services.membership_add(
                            by=by,
                            staff=staff,
                            unit=row.cleaned_data["unit"],
                            role=row.cleaned_data["role"],
                        )
                    )
        # What ModelAdmin.construct_change_message reads after formset.save().
        formset.new_objects, formset.changed_objects, formset.deleted_objects = (
            new,
            changed,
            deleted,
        )

    def _set_active(self, request, queryset, active: bool):
        done = 0
        for staff in queryset.select_related("user"):
            try:
                services.staff_set_active(by=request.user, staff=staff, active=active)
                done += 1
            except HemmaError as error:
                self.message_user(request, f"{staff.display_name}: {error.message}", messages.ERROR)
        if done:
            self.message_user(request, gettext("%(count)d konton uppdaterade.") % {"count": done})

    @admin.action(description=_("Inaktivera valda konton"), permissions=["change"])
    def deactivate_accounts(self, request, queryset):
        self._set_active(request, queryset, active=False)

    @admin.action(description=_("Aktivera valda konton igen"), permissions=["change"])
    def reactivate_accounts(self, request, queryset):
        self._set_active(request, queryset, active=True)


# --- Django's users and groups: the operator only ----------------------------------------


class OperatorOnly:
    """Accounts, superuser flags, passwords and permissions are beyond any one organisation:
    only the operator manages them (administrators use the staff pages)."""

    def has_module_permission(self, request):
        return _is_operator(request)

    def has_view_permission(self, request, obj=None):
        return _is_operator(request)

    has_add_permission = has_view_permission
    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission


for _model in (User, Group):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(User)
class OperatorUserAdmin(OperatorOnly, UserAdmin):
    def save_model(self, request, obj, form, change):
        staff = Staff.objects.filter(user_id=obj.pk).first() if change else None
        if staff is not None and "is_active" in form.changed_data:
            with _refusal_as_403():
                services.staff_set_active(by=request.user, staff=staff, active=obj.is_active)
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        staff = Staff.objects.filter(user_id=obj.pk).first()
        if staff is not None:
            with _refusal_as_403():
                services.staff_delete(by=request.user, staff=staff)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            self.delete_model(request, user)


@admin.register(Group)
class OperatorGroupAdmin(OperatorOnly, GroupAdmin):
    pass
