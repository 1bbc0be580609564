"""Per-person API tokens, the stored answers of idempotent creates and the per-token request counters.

A token's secret is never stored: only its SHA-256 digest (the secret is 32 random bytes, so a fast digest is
enough; no password hashing needed) and a public prefix to find the row. The plaintext is shown once, when it
is created."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now


class ApiToken(models.Model):
    """A person's token: acts as that person, narrowed to `scopes`, until `expires_at` or `revoked_at`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. the script using it."))
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    scopes = models.JSONField(_("scopes"), default=list)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    def is_usable(self) -> bool:
        """Not revoked and not expired."""
        return self.revoked_at is None and self.expires_at > now()


class IdempotentResponse(models.Model):
    """The first answer to a create sent with an `Idempotency-Key`: a retry with the same key and body gets it
    back instead of creating again. Unique per person and key; kept 24 hours."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    endpoint = models.CharField(max_length=200)
    body_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(default=dict)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotentresponse_user_key")]
        indexes = [models.Index(fields=["created_at"], name="idempotentresponse_created")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class RateWindow(models.Model):
    """How many requests one client (a token, or a signed-in person) made in one fixed window of time; shared by
    every process serving the API, so the limit holds whatever the number of workers."""

    client = models.CharField(max_length=40)
    window_start = models.BigIntegerField(help_text="In seconds since the epoch.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "window_start"], name="ratewindow_client_window")]

    def __str__(self) -> str:
        return f"{self.client}@{self.window_start}: {self.count}"
