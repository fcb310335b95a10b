"""Home visits: the home health unit's shifts, the visits generated from the documented
agreement (or added during the day), and the plan that assigns them to staff.

A planning day runs from 06:00 to 06:00 the next morning (local time), so a night dose at
24:00 belongs to the evening's night shift. Times are stored as aware datetimes; the
planner works in minutes from the day's local midnight, which stays right across the
daylight-saving changes.

A visit is documented by the staff on it: done or not done (with the reason), a short note
and, when something worries them, a concern raised to the ward as an alert
(`monitoring.Alert`, kind visit concern) at the level they chose."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Staff, Unit
from hemma.episodes.models import Episode
from hemma.monitoring.models import Alert

SKILLS = (
    Staff.Profession.NURSE,
    Staff.Profession.ASSISTANT_NURSE,
    Staff.Profession.PHYSIOTHERAPIST,
    Staff.Profession.OCCUPATIONAL_THERAPIST,
    Staff.Profession.SPEECH_THERAPIST,  # a stroke team's
)
SKILL_CHOICES = [(s.value, s.label) for s in SKILLS]


class TravelMode(models.TextChoices):
    CAR = "car", _("Bil")
    BIKE = "bike", _("Cykel")
    WALK = "walk", _("Till fots")


class Shift(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="shifts")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="shifts")
    day = models.DateField(_("dag"))
    starts_at = models.DateTimeField(_("börjar"))
    ends_at = models.DateTimeField(_("slutar"))
    skills = models.JSONField(_("kompetenser"), default=list)
    travel_mode = models.CharField(
        _("färdsätt"), max_length=10, choices=TravelMode, default=TravelMode.CAR
    )
    start_latitude = models.DecimalField(max_digits=9, decimal_places=6)
    start_longitude = models.DecimalField(max_digits=9, decimal_places=6)
    break_from = models.DateTimeField(_("lunch tidigast"), null=True, blank=True)
    break_until = models.DateTimeField(_("lunch senast"), null=True, blank=True)
    break_minutes = models.PositiveSmallIntegerField(_("lunch (min)"), default=30)
    max_work_minutes = models.PositiveSmallIntegerField(
        _("max arbetstid (min)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("arbetspass")
        verbose_name_plural = _("arbetspass")
        ordering = ["day", "starts_at", "staff_id"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "day"], name="shift_one_per_staff_and_day"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(break_from__isnull=True) | Q(break_until__gte=F("break_from")),
                name="shift_break_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.day}"


class Visit(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Ej planerat")
        ASSIGNED = "assigned", _("Planerat")
        ARRIVED = "arrived", _("På plats")
        DONE = "done", _("Utfört")
        NOT_DONE = "not_done", _("Ej utfört")
        CANCELLED = "cancelled", _("Inställt")

    class Source(models.TextChoices):
        AGREEMENT = "agreement", _("Överenskommelsen")
        AD_HOC = "ad_hoc", _("Tillagt under dagen")

    class Priority(models.IntegerChoices):
        NORMAL = 0, _("Normal")
        HIGH = 1, _("Hög")
        URGENT = 2, _("Akut")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="visits")
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="visits")
    day = models.DateField(_("planeringsdag"))
    what = models.CharField(_("vad"), max_length=500)
    window_start = models.DateTimeField(_("tidigast"))
    window_end = models.DateTimeField(_("senast"))
    duration_minutes = models.PositiveSmallIntegerField(_("tid på plats (min)"), default=30)
    skill = models.CharField(_("kompetens"), max_length=30, choices=SKILL_CHOICES)
    staff_needed = models.PositiveSmallIntegerField(_("antal personal"), default=1)
    priority = models.PositiveSmallIntegerField(
        _("prioritet"), choices=Priority, default=Priority.NORMAL
    )
    source = models.CharField(max_length=10, choices=Source, default=Source.AGREEMENT)
    # Generation from the agreement is idempotent: one visit per episode, moment and skill.
    source_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    # Some visits must follow another by a minimum/maximum gap (a level after a dose).
    follows = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="followed_by"
    )
    min_gap_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    max_gap_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    preferred_staff = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PLANNED)
    unassigned_reason = models.CharField(max_length=40, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    # When and by whom the visit was documented, done or not done.
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("anteckning"), blank=True)
    not_done_reason = models.CharField(
        _("orsak till att besöket inte blev av"), max_length=300, blank=True
    )
    # A concern the visiting staff raised to the ward: the text and the alert it raised.
    concern = models.TextField(_("oro"), blank=True)
    concern_alert = models.ForeignKey(
        Alert, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hembesök")
        verbose_name_plural = _("hembesök")
        ordering = ["window_start", "pk"]
        indexes = [models.Index(fields=["unit", "day", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__gte=F("window_start")), name="visit_window_ordered"
            ),
            models.CheckConstraint(
                condition=Q(staff_needed__gte=1, staff_needed__lte=2), name="visit_one_or_two_staff"
            ),
            models.CheckConstraint(condition=Q(duration_minutes__gte=1), name="visit_has_duration"),
            models.CheckConstraint(
                condition=~Q(status="not_done") | ~Q(not_done_reason=""),
                name="visit_not_done_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(follows__isnull=True)
                | Q(min_gap_minutes__isnull=False, max_gap_minutes__gte=F("min_gap_minutes")),
                name="visit_gap_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.what} {self.window_start:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PLANNED, self.Status.ASSIGNED)


class Assignment(models.Model):
    """One staff member's place for a visit in the day's plan (two for a double visit)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="assignments")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="visit_assignments")
    position = models.PositiveSmallIntegerField()
    planned_arrival = models.DateTimeField()
    planned_start = models.DateTimeField()
    travel_minutes = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["staff_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "staff"], name="assignment_once_per_staff"),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} → {self.staff_id} #{self.position}"


class PlanRun(models.Model):
    """Each time the day was planned: by whom, how long, the outcome (shown and audited)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="plan_runs")
    day = models.DateField()
    by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField()
    solver = models.CharField(max_length=40)
    travel_minutes = models.PositiveIntegerField(default=0)
    planned = models.PositiveIntegerField(default=0)
    unassigned = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    breaks = models.JSONField(default=dict, blank=True)  # staff id -> break start (ISO)

    class Meta:
        ordering = ["-created_at"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day} {self.solver}"
