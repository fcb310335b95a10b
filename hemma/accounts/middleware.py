"""Sets request.staff, request.memberships and request.acting_unit ("acting for unit X").

The acting unit is chosen by the user with the unit switcher and kept in the
session; it is what the access log records. A stale or foreign unit id in the
session falls back to the user's first unit.
"""

from django.utils.functional import SimpleLazyObject

from .selectors import memberships_for_staff, staff_for_user

SESSION_KEY = "hemma_acting_unit_id"


class ActingUnit:
    def __init__(self, request):
        self.staff = staff_for_user(request.user)
        self.memberships = memberships_for_staff(self.staff) if self.staff else []
        chosen = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        self.membership = next(
            (m for m in self.memberships if m.unit_id == chosen),
            self.memberships[0] if self.memberships else None,
        )
        self.unit = self.membership.unit if self.membership else None


class ActingUnitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        acting = SimpleLazyObject(lambda: ActingUnit(request))
        request.hemma = acting
        return self.get_response(request)
