from django.db import models
from django.db.models import Q


class DemoDataset(models.Model):
    """Present when the demo region is loaded: the UI then shows "DEMO – fiktiva patienter"."""

    loaded_at = models.DateTimeField()
    version = models.PositiveIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="demo_dataset_singleton")]

    def __str__(self) -> str:
        return f"Demo v{self.version} ({self.loaded_at:%Y-%m-%d %H:%M})"
