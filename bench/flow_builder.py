"""Episodes walked through the real services, for the benchmarks that need a busy ward."""

from datetime import timedelta

STATES = ("candidate", "agreed", "at_home", "discharged")


class FlowBuilder:
    """The demo's ward, home health unit and staff; `walk(patient, until)` takes a new
    patient through the services to one state of the flow."""

    def __init__(self, safety_beds: int):
        from hemma.accounts.models import Staff, Unit
        from hemma.careplans.models import AgreementTemplate
        from hemma.episodes.models import Assessment, SafetyBed

        self.ward = Unit.objects.get(kind="ward")
        self.home_health = Unit.objects.get(kind="home_health_care")
        self.nurse = Staff.objects.get(user__username="anna.ssk")
        self.physician = Staff.objects.get(user__username="erik.lak")
        self.home_nurse = Staff.objects.get(user__username="karin.hsv")
        self.template = AgreementTemplate.objects.get(ward=None, name__startswith="IV-antibiotika")
        self.checks = dict.fromkeys(Assessment.CHECKS, True)
        # A busy ward: enough safety places for every episode that goes home.
        for number in range(safety_beds):
            SafetyBed.objects.get_or_create(ward=self.ward, label=f"Bench {number}")

    def new_patient(self, index):
        """A synthetic patient (birth numbers 9xx, Skatteverket's test range), or None when
        the number is taken."""
        from hemma.clinical.identifiers import luhn_check_digit, parse_personal_identity
        from hemma.patients.models import Patient

        nine = (
            f"{30 + index % 50:02d}{1 + index % 12:02d}{1 + index % 28:02d}{900 + index % 100:03d}"
        )
        number = f"19{nine}{luhn_check_digit(nine)}"
        if Patient.objects.filter(personal_number=number).exists():
            return None
        created = Patient(first_name=f"Bench{index}", last_name="Testsson", city="Falun")
        created.apply_identity(parse_personal_identity(number))
        created.listed_unit = self.ward.organisation.units.filter(kind="primary_care").first()
        created.save()
        return created

    def walk(self, patient, until: str):
        from django.utils import timezone

        from hemma.careplans import services as careplans
        from hemma.careplans.models import Agreement
        from hemma.carerequests import services as carerequests
        from hemma.episodes import services as episodes

        nurse, ward, physician = self.nurse, self.ward, self.physician
        e = episodes.episode_flag_candidate(staff=nurse, unit=ward, patient=patient, reason="B")
        if until == "candidate":
            return e
        episodes.assessment_update(
            staff=nurse, unit=ward, episode=e, checks=self.checks, tier="kim"
        )
        episodes.assessment_decide(
            staff=physician, unit=ward, episode=e, suitable=True, reason="Stabil"
        )
        episodes.consent_record(
            staff=nurse,
            unit=ward,
            episode=e,
            patient_informed=True,
            next_of_kin_informed=True,
            brochure_given=True,
            patient_agrees=True,
            shares_information=True,
        )
        careplans.agreement_create(staff=nurse, unit=ward, episode=e, template=self.template)
        episodes.episode_mark_agreed(staff=nurse, unit=ward, episode=e)
        request = carerequests.care_request_send(
            staff=nurse,
            unit=ward,
            episode=e,
            kind="home_health",
            to_unit=self.home_health,
            reason="Bench",
            start_at=timezone.now() + timedelta(hours=2),
            interventions="Pumpbyte",
            medications=[{"drug": "Cefotaxim", "dose": "1 g", "route": "iv", "times": "08"}],
        )
        if until == "agreed":
            return e
        carerequests.care_request_accept(
            staff=self.home_nurse, unit=self.home_health, care_request=request
        )
        episodes.episode_start_preparing(staff=nurse, unit=ward, episode=e)
        for key in ("agreement_given", "medicines_packed", "iv_access", "samples_taken"):
            episodes.checklist_item_set(staff=nurse, unit=ward, episode=e, key=key, status="done")
        for key in ("video_tested", "transport"):
            episodes.checklist_item_set(staff=nurse, unit=ward, episode=e, key=key, status="done")
        episodes.safety_bed_reserve(staff=nurse, unit=ward, episode=e)
        episodes.episode_send_home(staff=nurse, unit=ward, episode=e)
        if until == "at_home":
            return e
        agreement = Agreement.objects.get(episode=e)
        for criterion in agreement.versions.get().criteria:
            careplans.discharge_criterion_set(
                staff=nurse, unit=ward, agreement=agreement, criterion=criterion, met=True
            )
        episodes.episode_discharge(
            staff=physician, unit=ward, episode=e, summary="Klar", referral_text="CRP"
        )
        return e
