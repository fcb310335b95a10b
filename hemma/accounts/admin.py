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


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organisation_number", "hsa_id"]
    list_filter = ["kind"]
    search_fields = ["name", "hsa_id", "organisation_number"]
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organisation", "hsa_id", "phone", "beds"]
    list_filter = ["kind", "organisation"]
    search_fields = ["name", "hsa_id"]
    list_select_related = ["organisation"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["__str__", "profession", "hsa_id"]
    list_filter = ["profession"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "hsa_id"]
    list_select_related = ["user"]
    inlines = [MembershipInline]
