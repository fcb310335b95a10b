"""Coordinated discharge under lag (2017:612) for any inpatient with post-discharge needs:
the case, its statutory messages with per-unit receipts, the fixed care contact, the SIP
call, and the local payment agreement between a region and a municipality; the frailty
and ED-visit flags, tasks, coordination meetings (and their series), the doctor-to-doctor
directory, temporary visits and SIP plans.

Long module: the app's tables with their constraints, read together when a migration or
a constraint changes; splitting models across files would hide the constraints."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Organisation, Staff, Unit
from hemma.patients.models import Patient


class PaymentAgreement(models.Model):
    """The local agreement on the municipality's payment responsibility."""

    region = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    days_after_ready = models.PositiveSmallIntegerField(
        _("dagar efter utskrivningsklar"), default=3
    )
    daily_amount = models.DecimalField(_("belopp per dag (kr)"), max_digits=9, decimal_places=0)
    source = models.CharField(_("källa"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region", "municipality"], name="payment_pair_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region} – {self.municipality}: {self.days_after_ready} d"


class DischargeCase(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Inskriven")
        DISCHARGED = "discharged", _("Utskriven")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="discharge_cases")
    # The hospital-at-home episode the case belongs to (none: an inpatient case only). The
    # episode's notices are this case's messages (hemma/coordination/episode_case.py).
    episode = models.OneToOneField(
        "episodes.Episode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="discharge_case",
        verbose_name=_("vårdtillfälle i hemmet"),
    )
    ward = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="discharge_cases")
    receivers = models.ManyToManyField(Unit, related_name="received_cases")
    admitted_at = models.DateTimeField(_("inskriven"))
    # The 24-hour clock starts at admission, or when support after discharge was judged likely.
    support_judged_at = models.DateTimeField(_("bedömt behov av insatser"))
    estimated_discharge = models.DateField(_("beräknat utskrivningsdatum"))
    status = models.CharField(max_length=20, choices=Status, default=Status.OPEN)
    fixed_contact = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fast vårdkontakt"),
    )
    fixed_contact_appointed_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(_("utskrivningsklar"), null=True, blank=True)
    sip_consent_at = models.DateTimeField(_("samtycke till SIP"), null=True, blank=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-admitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status="open"),
                name="discharge_case_one_open_per_patient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} – {self.ward}"


class CaseMessage(models.Model):
    class Kind(models.TextChoices):
        ADMISSION = "admission", _("Inskrivningsmeddelande")
        UPDATE = "update", _("Ändrat beräknat utskrivningsdatum")
        FIXED_CONTACT = "fixed_contact", _("Fast vårdkontakt utsedd")
        READY = "ready", _("Utskrivningsklar")
        READY_WITHDRAWN = "ready_withdrawn", _("Utskrivningsklar återtagen")
        SIP_CALL = "sip_call", _("Kallelse till SIP")
        DISCHARGED = "discharged", _("Utskriven")

    case = models.ForeignKey(DischargeCase, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=20, choices=Kind)
    text = models.TextField(blank=True)
    sent_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)
    late = models.BooleanField(default=False)

    class Meta:
        ordering = ["sent_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.case_id})"


class MessageReceipt(models.Model):
    """Per receiving unit: read and acknowledged, so nothing depends on luck."""

    message = models.ForeignKey(CaseMessage, on_delete=models.CASCADE, related_name="receipts")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="message_receipts")
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "unit"], name="receipt_unique"),
        ]
        indexes = [models.Index(fields=["unit", "read_at"])]

    def __str__(self) -> str:
        return f"{self.message} → {self.unit}"


class SipMeeting(models.Model):
    """Samordnad individuell plan: the call (invitation) to the meeting."""

    case = models.ForeignKey(DischargeCase, on_delete=models.CASCADE, related_name="sip_meetings")
    called_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    called_at = models.DateTimeField(auto_now_add=True)
    meeting_at = models.DateTimeField(_("mötestid"))
    place = models.CharField(_("plats"), max_length=300, blank=True)
    video_link = models.URLField(_("videolänk"), blank=True)
    participants = models.TextField(_("deltagare"))

    class Meta:
        ordering = ["-called_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(video_link=""), name="sip_place_or_video"
            )
        ]

    def __str__(self) -> str:
        return f"SIP {self.meeting_at:%Y-%m-%d %H:%M}"


class FrailtyScreening(models.Model):
    """Clinical Frailty Scale (v2.0) recorded by any unit in the patient's care."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="frailty")
    level = models.PositiveSmallIntegerField(_("CFS-nivå"))
    assessed_on = models.DateField(_("bedömd"))
    assessed_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("kommentar"), max_length=500, blank=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=9), name="frailty_cfs_1_to_9"
            )
        ]

    def __str__(self) -> str:
        return f"CFS {self.level}"


class EdVisit(models.Model):
    """An emergency department visit, imported from the region's data warehouse."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="ed_visits")
    visited_on = models.DateField(_("besöksdatum"))
    imported_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-visited_on"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "visited_on"], name="ed_visit_unique_day")
        ]

    def __str__(self) -> str:
        return f"Akutbesök {self.visited_on}"


class Task(models.Model):
    """One task model for every follow-up – from meetings, rounds, alerts and the flow's
    steps (the ward's evening call on day 1): an owner unit (and person), a due date (and
    time), a status, a link to the patient and the episode."""

    class Status(models.TextChoices):
        OPEN = "open", _("Att göra")
        DONE = "done", _("Klar")

    class Kind(models.TextChoices):
        EVENING_CALL = "evening_call", _("Kvällssamtal dag 1")
        FOLLOW_UP = "follow_up", _("Uppföljning")
        OTHER = "other", _("Övrigt")

    title = models.CharField(_("uppgift"), max_length=300)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.FOLLOW_UP)
    owner_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="tasks")
    owner = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    episode = models.ForeignKey(
        "episodes.Episode", on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    due_on = models.DateField(_("senast"))
    due_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    source = models.CharField(max_length=50, blank=True)
    note = models.TextField(_("anteckning"), blank=True)
    created_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "due_on", "due_at", "id"]
        indexes = [models.Index(fields=["owner_unit", "status", "due_on"])]

    def __str__(self) -> str:
        return self.title

    @property
    def unit(self) -> Unit:
        return self.owner_unit


class MeetingSeries(models.Model):
    """A recurring coordination meeting of a primary care centre and home health care (with
    guests): every `interval_weeks` weeks on `weekday` at `starts_at`, from `active_from`
    until `active_to` (open-ended while empty). Its occurrences are ordinary
    CoordinationMeetings, created a few weeks ahead (meetings.series_occurrences_ensure)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("måndag")
        TUESDAY = 1, _("tisdag")
        WEDNESDAY = 2, _("onsdag")
        THURSDAY = 3, _("torsdag")
        FRIDAY = 4, _("fredag")
        SATURDAY = 5, _("lördag")
        SUNDAY = 6, _("söndag")

    primary_care = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    home_health = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    guests = models.ManyToManyField(Unit, blank=True, related_name="+")
    weekday = models.PositiveSmallIntegerField(_("veckodag"), choices=Weekday)
    starts_at = models.TimeField(_("tid"))
    interval_weeks = models.PositiveSmallIntegerField(
        _("intervall i veckor"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
    )
    active_from = models.DateField(_("från och med"))
    active_to = models.DateField(_("till och med"), null=True, blank=True)
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["weekday", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_weeks__gte=1) & Q(interval_weeks__lte=8),
                name="meeting_series_interval",
            )
        ]

    def __str__(self) -> str:
        return f"Samverkansmöte {self.get_weekday_display()} {self.starts_at:%H:%M}"


class CoordinationMeeting(models.Model):
    """The weekly meeting of a primary care centre and the municipality's home health care."""

    primary_care = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    home_health = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    # The ambulance service may join.
    guests = models.ManyToManyField(Unit, blank=True, related_name="+")
    # An occurrence of a recurring series (one per series and date: the pair's
    # meeting_one_per_day below); empty for a meeting created by hand.
    series = models.ForeignKey(
        MeetingSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="meetings"
    )
    held_on = models.DateField(_("datum"))
    minutes = models.TextField(_("protokoll"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-held_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["primary_care", "home_health", "held_on"], name="meeting_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"Samverkansmöte {self.held_on}"


class MeetingItem(models.Model):
    meeting = models.ForeignKey(CoordinationMeeting, on_delete=models.CASCADE, related_name="items")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=200)
    notes = models.TextField(_("anteckningar"), blank=True)
    # Who put the patient on the agenda by hand (empty: the agenda builder did).
    added_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "patient"], name="meeting_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.patient}"


class DirectoryEntry(models.Model):
    """Läkare till läkare: how physicians reach a clinic or unit directly."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="directory_entries")
    title = models.CharField(_("rubrik"), max_length=200)
    direct_phone = models.CharField(_("direktnummer"), max_length=30)
    consultation_hours = models.CharField(
        _("subakuta konsultationstider"), max_length=300, blank=True
    )
    on_call = models.CharField(_("jourarrangemang"), max_length=300, blank=True)
    out_of_hours = models.CharField(
        _("läkarstöd utanför kontorstid (ambulans, hemsjukvård)"), max_length=300, blank=True
    )
    notes = models.TextField(_("övrigt"), blank=True)
    updated_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["unit__name", "title"]

    def __str__(self) -> str:
        return f"{self.unit.name}: {self.title}"


class DirectoryUse(models.Model):
    """Usage statistics: a list open (entry empty) or a page view of one entry."""

    entry = models.ForeignKey(
        DirectoryEntry, on_delete=models.CASCADE, null=True, blank=True, related_name="uses"
    )
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    # The unit the user acted for (the calling unit); empty for uses recorded before.
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.entry_id or 'list'} {self.at:%Y-%m-%d}"


class DirectoryContact(models.Model):
    """A contact a user records: who contacted whom, and how quickly they got an answer."""

    entry = models.ForeignKey(DirectoryEntry, on_delete=models.CASCADE, related_name="contacts")
    caller = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    caller_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    contacted_at = models.DateTimeField(_("kontakt"))
    answer_minutes = models.PositiveIntegerField(_("minuter till svar"), null=True, blank=True)
    note = models.CharField(_("kommentar"), max_length=300, blank=True)

    class Meta:
        ordering = ["-contacted_at"]

    def __str__(self) -> str:
        return f"{self.caller} → {self.entry}"


class TemporaryVisit(models.Model):
    """Tillfälligt besök: ambulance, home health care or primary care visits a patient not
    enrolled in home health care, by the local routine; visible to the primary care centre."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="temporary_visits")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    visited_at = models.DateTimeField(_("besök"))
    reason = models.CharField(_("orsak"), max_length=300)
    outcome = models.TextField(_("bedömning och åtgärd"))

    class Meta:
        ordering = ["-visited_at"]

    def __str__(self) -> str:
        return f"Tillfälligt besök {self.visited_at:%Y-%m-%d}"


class SipPlan(models.Model):
    """The SIP plan itself, versioned: needs, goals, who does what by when (the patient and
    next of kin too), follow-up date and evaluation."""

    case = models.ForeignKey(DischargeCase, on_delete=models.CASCADE, related_name="sip_plans")
    number = models.PositiveIntegerField()
    needs = models.TextField(_("behov"))
    goals = models.TextField(_("mål"))
    actions = models.JSONField(_("vem gör vad och när"), default=list)
    follow_up_on = models.DateField(_("uppföljning"))
    evaluation = models.TextField(_("utvärdering"), blank=True)
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="sip_plan_version_unique")
        ]

    def __str__(self) -> str:
        return f"SIP v{self.number}"
