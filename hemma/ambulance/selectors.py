"""What the ambulance sees: its list of patients at home (policy Scope.AMBULANCE) with the
safety place, the agreement's instruction and the ward's number – never the health
record – and an episode's 112 calls and ambulance missions.

The list is built in a fixed number of queries whatever the number of patients."""

from dataclasses import dataclass

from django.db.models import F, Prefetch
from django.utils import timezone

from hemma.accounts.models import Staff, Unit
from hemma.careplans.models import AgreementVersion
from hemma.careplans.shipped import PLACEHOLDER_PHONES
from hemma.clinical import episode_states as states
from hemma.episodes.models import Episode, SafetyBedReservation
from hemma.patients.policy import (
    ambulance_patients_visible_to,
    any_block_applies,
    blocked_documentation,
)

from .models import AmbulanceContact


@dataclass(frozen=True)
class AmbulanceRow:
    episode: Episode
    safety_place: str  # the reserved trygghetsplats ("Avdelning 32, plats 23"), or ""
    if_worse: str
    call_112: str
    ward_phone: str
    day_at_home: int | None
    last_contact: AmbulanceContact | None

    @property
    def patient(self):
        return self.episode.patient

    @property
    def tel(self) -> str:
        return self.ward_phone.replace(" ", "").replace("-", "")


def ward_phone(episode: Episode, version: AgreementVersion | None) -> str:
    """The agreement's first contact (the ward's), unless a shipped placeholder – then the
    ward's own number (the rule of the patient's tablet, monitoring.views.patient)."""
    phone = version.contacts[0].get("phone", "") if version and version.contacts else ""
    if not phone or phone in PLACEHOLDER_PHONES:
        phone = episode.ward.phone or phone
    return phone


def ambulance_rows(staff: Staff, unit: Unit) -> list[AmbulanceRow]:
    """The ambulance unit's patients at home in its region who consented; empty for any
    other unit (policy.ambulance_patients_visible_to)."""
    patients = ambulance_patients_visible_to(staff, unit)
    episodes = list(
        Episode.objects.filter(
            state=states.AT_HOME,
            ward__organisation_id=unit.organisation_id,
            patient__in=patients,
        )
        .select_related("patient", "ward")
        .prefetch_related(
            Prefetch(
                "bed_reservations",
                queryset=SafetyBedReservation.objects.filter(released_at=None).select_related(
                    "bed__ward"
                ),
                to_attr="active_reservations",
            ),
        )
        .order_by("patient__last_name", "patient__first_name", "pk")
    )
    ids = [episode.pk for episode in episodes]
    versions = {
        version.agreement.episode_id: version
        for version in AgreementVersion.objects.filter(
            agreement__episode_id__in=ids, number=F("agreement__current_number")
        ).select_related("agreement")
    }
    latest: dict[int, AmbulanceContact] = {}
    contacts = AmbulanceContact.objects.filter(episode_id__in=ids)
    if any_block_applies(acting_unit=unit):
        # A contact is its recording unit's documentation: a blocked unit's is left out.
        contacts = contacts.exclude(
            blocked_documentation(
                staff=staff, acting_unit=unit, patient_ref="episode__patient_id", unit_ref="unit_id"
            )
        )
    for contact in contacts.order_by("episode_id", "-occurred_at", "-id"):
        latest.setdefault(contact.episode_id, contact)
    today = timezone.localdate()
    rows = []
    for episode in episodes:
        version = versions.get(episode.pk)
        bed = episode.active_reservations[0].bed if episode.active_reservations else None
        rows.append(
            AmbulanceRow(
                episode=episode,
                safety_place=f"{bed.ward.name}, {bed.label}" if bed else "",
                if_worse=version.if_worse if version else "",
                call_112=version.call_112 if version else "",
                ward_phone=ward_phone(episode, version),
                day_at_home=(today - timezone.localdate(episode.at_home_since)).days + 1
                if episode.at_home_since
                else None,
                last_contact=latest.get(episode.pk),
            )
        )
    return rows


def contacts_for_episode(
    episode: Episode, hidden: frozenset[int] = frozenset()
) -> tuple[list[AmbulanceContact], bool]:
    """The episode's contacts, and whether any was left out because the patient blocked
    the unit that recorded it (a contact is its recording unit's documentation; `hidden`:
    patients.policy.blocked_units_for of the reader)."""
    contacts = list(
        AmbulanceContact.objects.filter(episode=episode).select_related("recorded_by__user", "unit")
    )
    shown = [contact for contact in contacts if contact.unit_id not in hidden]
    return shown, len(shown) != len(contacts)
