"""Background jobs: long work (planning a day, a large import) that a request hands to the
worker (`hemma monitor`) instead of doing it while a colleague waits for the database.

A job is queued by a request, claimed by exactly one worker (a lease it renews while it
reports progress), and ends done (with a result) or failed (with a message for the user).
A worker that dies leaves its job running with a lease that runs out: the next worker
claims it again, at most MAX_ATTEMPTS times in all."""

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Staff, Unit

MAX_ATTEMPTS = 3
STALLED_AFTER = timedelta(seconds=30)  # queued this long: is a worker running at all?


class Job(models.Model):
    class Kind(models.TextChoices):
        PLAN_DAY = "plan_day", _("Planering av dagen")
        INSIGHTS_IMPORT = "insights_import", _("Inläsning av underlag")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Väntar")
        RUNNING = "running", _("Pågår")
        DONE = "done", _("Klar")
        FAILED = "failed", _("Misslyckades")

    ACTIVE = (Status.QUEUED, Status.RUNNING)
    FINISHED = (Status.DONE, Status.FAILED)

    kind = models.CharField(_("sort"), max_length=20, choices=Kind)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    progress = models.CharField(_("förlopp"), max_length=200, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(_("fel"), blank=True)
    # Only one active job per key (e.g. one planning of a unit's day at a time).
    dedupe_key = models.CharField(max_length=120, blank=True)
    language = models.CharField(max_length=10, default="sv")
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="jobs")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=120, blank=True)  # host:pid of the last worker

    class Meta:
        verbose_name = _("bakgrundsjobb")
        verbose_name_plural = _("bakgrundsjobb")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="job_runnable"),
            models.Index(fields=["unit", "kind", "status"], name="job_unit_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="job_status_known",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["plan_day", "insights_import"]), name="job_kind_known"
            ),
            # A running job has a worker's lease; a finished one has its end and no lease.
            models.CheckConstraint(
                condition=~Q(status="running")
                | Q(lease_until__isnull=False, started_at__isnull=False),
                name="job_running_has_lease",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["done", "failed"], finished_at__isnull=False)
                | Q(status__in=["queued", "running"], finished_at__isnull=True),
                name="job_finished_when_done",
            ),
            models.CheckConstraint(
                condition=Q(attempts__lte=MAX_ATTEMPTS), name="job_attempts_at_most_max"
            ),
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(status__in=["queued", "running"]) & ~Q(dedupe_key=""),
                name="job_one_active_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def stalled(self) -> bool:
        return self.status == self.Status.QUEUED and timezone.now() - self.created_at > (
            STALLED_AFTER
        )


class JobFile(models.Model):
    """An uploaded file a job works on (kept in the database so a worker on another host
    can read it). Deleted when the job ends: an import file may hold personal identity
    numbers that only the import's pseudonyms should outlive."""

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="file")
    name = models.CharField(max_length=255)
    text = models.TextField()

    def __str__(self) -> str:
        return self.name


# Upper bounds (seconds) of the duration histograms the worker writes (hemma/jobs/metrics.py);
# a longer run counts in the last bucket (+Inf).
DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


class WorkerHeartbeat(models.Model):
    """What the worker (`hemma monitor`) last did and how long it took, for the metrics at
    /metrics: the worker is another process, often on another host, so it writes them here
    and a scrape of any web instance reads them. One row per name, shared by all workers:
    "pass" (a whole pass of checks), "check.<name>" (one check of a pass) and
    "job.<kind>.<status>" (a background job that ended done or failed). Counts only grow."""

    name = models.CharField(max_length=80, unique=True)
    last_at = models.DateTimeField(null=True, blank=True)  # when the last run ended
    last_seconds = models.FloatField(default=0)
    count = models.BigIntegerField(default=0)
    seconds_sum = models.FloatField(default=0)
    # Runs per bucket of DURATION_BUCKETS (not cumulative), the last one for longer runs.
    buckets = models.JSONField(default=list)

    class Meta:
        verbose_name = _("arbetsprocessens puls")
        verbose_name_plural = _("arbetsprocessens puls")

    def __str__(self) -> str:
        return f"{self.name} ({self.count})"
