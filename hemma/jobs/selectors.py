"""Reads of jobs: a job is the unit's – only staff acting for the unit that queued it see
it (its progress, result and errors)."""

from .models import Job, JobFile


def job_for_unit(unit, job_id: int, kind: str | None = None) -> Job | None:
    """The unit's job with this id, or None (another unit's job is as unknown as none)."""
    jobs = Job.objects.filter(pk=job_id, unit=unit).select_related("created_by__user")
    if kind is not None:
        jobs = jobs.filter(kind=kind)
    return jobs.first()


def active_job(unit, kind: str, dedupe_key: str = "") -> Job | None:
    """The unit's queued or running job of this kind (for a key: that one's)."""
    jobs = Job.objects.filter(unit=unit, kind=kind, status__in=Job.ACTIVE)
    if dedupe_key:
        jobs = jobs.filter(dedupe_key=dedupe_key)
    return jobs.select_related("created_by__user").order_by("-created_at", "-pk").first()


def job_file(job: Job) -> JobFile | None:
    return JobFile.objects.filter(job=job).first()
