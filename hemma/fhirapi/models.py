"""System clients of the FHIR API (SMART on FHIR Backend Services).

A system client is an integration of one organisation's unit – the region's EHR, its data
warehouse, a remote-monitoring vendor. It authenticates with a JWT signed by a private key
whose public half is registered here (a JWKS), receives short-lived access tokens, and
reads only what the access policy gives its unit: it acts through a staff profile of its
own (profession "system") with a membership in that unit, so every list and read goes
through the same policy and lands in the same access log as a person's."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Staff, Unit


class SystemClient(models.Model):
    client_id = models.CharField(_("klient-id"), max_length=100, unique=True)
    name = models.CharField(_("namn"), max_length=200)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    staff = models.OneToOneField(Staff, on_delete=models.PROTECT, related_name="system_client")
    jwks = models.JSONField(_("publika nycklar (JWKS)"))
    scopes = models.CharField(_("tillåtna scopes"), max_length=1000)
    active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("systemklient")
        verbose_name_plural = _("systemklienter")

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    @property
    def allowed_scopes(self) -> set[str]:
        return set(self.scopes.split())


class UsedAssertion(models.Model):
    """A client assertion's `jti`, kept until the assertion expires: a replayed assertion
    is refused (the unique constraint decides when two arrive at once)."""

    client = models.ForeignKey(SystemClient, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "jti"], name="fhirapi_assertion_once")
        ]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.jti}"


class AccessTokenQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(expires_at__gt=timezone.now(), client__active=True)


class AccessToken(models.Model):
    """An issued bearer token; only its SHA-256 is stored."""

    client = models.ForeignKey(SystemClient, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.CharField(max_length=1000)
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    objects = AccessTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.client_id} until {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def scope_set(self) -> set[str]:
        return set(self.scopes.split())
