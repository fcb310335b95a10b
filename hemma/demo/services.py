"""Loading the demo region. Idempotent: running it again updates, never duplicates.

The demo is the top layer (only hemma.urls and hemma.cli are above it, nothing imports
it), so it imports the services of every app it fills, at module level. One module per
what it builds: region (organisations, units, staff), patients, episodes (every state),
activity (monitoring, discharge cases and the directory, visits, history), today (the
day's visits planned and worked, and its doses given, up to the load's clock time), duty
(the ward's duty roster)."""

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from hemma.accounts.models import Staff

from . import activity, data
from .ambulance import ambulance_consents_ensure
from .competence import competence_ensure
from .duty import duty_roster_ensure
from .episodes import episodes_ensure
from .experience import experience_ensure
from .labs import labs_ensure
from .medication import medication_ensure
from .messages import messages_ensure
from .models import DemoDataset
from .patients import patient_ensure
from .region import DemoLogin, organisation_ensure, staff_ensure, unit_ensure
from .selectors import CACHE_KEY
from .timeline import inbox_history_read
from .today import today_ensure

DEMO_VERSION = 1

__all__ = ["DEMO_VERSION", "DemoLogin", "demo_load"]


def demo_load() -> list[DemoLogin]:
    # One reading of the clock for what is placed relative to the load: today's visits and
    # doses up to now, the cases' steps before it. (Tests load at a fixed time by patching
    # django.utils.timezone.now, which the services read too.)
    now = timezone.now()
    with transaction.atomic():
        organisations = {
            "region": organisation_ensure(data.REGION),
            "municipality": organisation_ensure(data.MUNICIPALITY),
        }
        units = {key: unit_ensure(organisations, spec) for key, spec in data.UNITS.items()}
        logins = [staff_ensure(username, spec, units) for username, spec in data.STAFF.items()]
        patients = {
            number: patient_ensure(number, spec, units, organisations["municipality"])
            for number, spec in data.PATIENTS.items()
        }
        nurse = Staff.objects.get(user__username="anna.ssk")
        physician = Staff.objects.get(user__username="erik.lak")
        episodes_ensure(patients, units, nurse, physician)
        medication_ensure(patients, physician)
        ambulance_consents_ensure(patients, units, nurse)
        activity.monitoring_ensure(patients, units, nurse, physician)
        activity.coordination_ensure(patients, units, nurse, physician, now)
        activity.visits_ensure(patients, units, now)
        labs_ensure(patients, units, nurse, Staff.objects.get(user__username="karin.hsv"))
        competence_ensure(patients, units, nurse)
        messages_ensure(patients, nurse)
        activity.history_ensure(units)
        today_ensure(units, now)
        inbox_history_read()
        duty_roster_ensure(units, nurse)
        experience_ensure()
        DemoDataset.objects.update_or_create(
            id=1, defaults={"loaded_at": timezone.now(), "version": DEMO_VERSION}
        )
    cache.delete(CACHE_KEY)
    return logins
