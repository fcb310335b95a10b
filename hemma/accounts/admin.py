"""Django admin for reference data only (organisations, units, staff).

Patients and the access log are deliberately not registered: every read of
patient data must go through the access policy and the access log.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Membership, Organisation, Staff, Unit


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


class UnitInline(AdministratorOnly, admin.TabularInline):
    model = Unit
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["name", "kind", "organisation_number", "hsa_id"]
    list_filter = ["kind"]
    search_fields = ["name", "hsa_id", "organisation_number"]
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["name", "kind", "organisation", "hsa_id", "phone", "beds"]
    list_filter = ["kind", "organisation"]
    search_fields = ["name", "hsa_id"]
    list_select_related = ["organisation"]


class MembershipInline(AdministratorOnly, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(Staff)
class StaffAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["__str__", "profession", "hsa_id"]
    list_filter = ["profession"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "hsa_id"]
    list_select_related = ["user"]
    inlines = [MembershipInline]
