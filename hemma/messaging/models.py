"""Secure messages between the patient's tablet and the ward, per episode.

A message goes one way: from the patient (sent by the tablet bound to the episode) to the
ward, or from a ward member to the patient. Each carries its read receipt: a patient's
message is read when a member of the ward opens the thread (`read_by` names who), a ward's
message when the tablet shows it (`read_at` only: the patient has no staff account)."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Staff, Unit
from hemma.episodes.models import Episode
from hemma.monitoring.models import DeviceEnrolment

MAX_LENGTH = 2000


class Message(models.Model):
    class Direction(models.TextChoices):
        TO_WARD = "to_ward", _("Från patienten")
        TO_PATIENT = "to_patient", _("Från avdelningen")

    # Deleted with the episode, like its readings (only demo and test resets delete one).
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=20, choices=Direction.choices)
    text = models.TextField(_("meddelande"), max_length=MAX_LENGTH)
    sent_at = models.DateTimeField(_("skickat"))
    # The ward side: who wrote it, for which unit (the episode's ward).
    sender = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sender_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The patient side: the tablet that sent it (RESTRICT: it goes only with its episode).
    device = models.ForeignKey(
        DeviceEnrolment, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    # The tablet's id of the message: a resend after a dropped network is the same message.
    client_id = models.CharField(max_length=100, blank=True, default="")
    read_at = models.DateTimeField(_("läst"), null=True, blank=True)
    read_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["sent_at", "id"]
        indexes = [
            # The thread, and the first ward reply after a patient's message.
            models.Index(fields=["episode", "sent_at"]),
            # The inbox and the menu badge: unread patient messages of a ward's episodes
            # (Message.objects.filter(direction="to_ward", read_at=None, episode__ward=…)).
            models.Index(
                fields=["episode"],
                condition=Q(direction="to_ward", read_at__isnull=True),
                name="message_unread_to_ward",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(direction__in=["to_ward", "to_patient"]),
                name="message_known_direction",
            ),
            models.CheckConstraint(
                condition=~Q(text="") & Q(LessThanOrEqual(Length("text"), MAX_LENGTH)),
                name="message_text_length",
            ),
            # The patient's side comes from a tablet; the ward's from a staff member.
            models.CheckConstraint(
                condition=(
                    Q(direction="to_ward", device__isnull=False, sender__isnull=True)
                    & Q(sender_unit__isnull=True)
                )
                | (
                    Q(direction="to_patient", device__isnull=True, sender__isnull=False)
                    & Q(sender_unit__isnull=False, client_id="")
                ),
                name="message_sender_by_direction",
            ),
            # Read by a named staff member only on the ward's side, and only once read.
            models.CheckConstraint(
                condition=Q(read_by__isnull=True) | Q(direction="to_ward", read_at__isnull=False),
                name="message_read_by_ward_member",
            ),
            models.UniqueConstraint(
                fields=["episode", "client_id"],
                condition=~Q(client_id=""),
                name="message_client_id_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.sent_at:%Y-%m-%d %H:%M}"

    @property
    def from_patient(self) -> bool:
        return self.direction == self.Direction.TO_WARD
