"""The audit trail of configuration changes, sign-ins and API token use (tickets keep theirs in their own
timeline): append-only and hash-chained, see `picocore.audit.services` for the guarantees."""

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    """Refuses bulk updates and deletes: the audit trail is written once and never changed."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError("The audit trail is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit trail is append-only.")


class AuditAction(models.TextChoices):
    CREATED = "created", _("Created")
    CHANGED = "changed", _("Changed")
    DELETED = "deleted", _("Deleted")
    SIGNED_IN = "signed_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    TOKEN_USED = "token_used", _("API token used")
    REDACTED = "redacted", _("Personal data redacted")
    FACTOR_ENROLLED = "factor_enrolled", _("Second factor set up")
    FACTOR_REMOVED = "factor_removed", _("Second factor removed")
    CODES_RENEWED = "codes_renewed", _("Recovery codes renewed")
    SESSION_ENDED = "session_ended", _("Session ended")


class AuditEntry(models.Model):
    """Who changed which object when, with each changed field's value before and after. Append-only; entry
    `sequence` carries the hash of entry `sequence - 1` and its own hash over its content (`chain.entry_hash`),
    which covers the digest of its text (`object_repr`, `changes`) rather than the text, so that text can be
    redacted (`redacted_in`: the sequence of the redaction entry that rewrote it) without breaking the chain."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("when"), default=now, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    changes = models.JSONField(_("changes"), default=dict, help_text=_("{field: {before, after}}"))
    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    text_digest = models.CharField(_("text digest"), max_length=64)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)
    redacted_in = models.PositiveBigIntegerField(_("redacted in entry"), null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"], name="audit_object_time")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit trail is append-only.")


class AuditChainHead(models.Model):
    """The chain's one head row (pk 1): the sequence and hash of the newest entry. Writers lock it, so two
    transactions never append after the same entry, and `verify` compares it with the newest entry it finds,
    so deleting the newest entries shows too."""

    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit chain head")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="audit_chain_head_single")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.hash[:12]}"


class StaffAccess(models.Model):
    """A member of staff opened one of an organisation's tickets (its desk page, its API detail or timeline, one
    of its files) within one hour: the access log the organisation's customer admins read. One row per (staff,
    ticket, hour), written by an insert that ignores the duplicate, so a busy hour of page loads costs one row
    and concurrent loads neither fail nor double it; `at` is the first opening in that hour. Kept for
    `picocore.audit.services.ACCESS_LOG_RETENTION`."""

    tenancy_organisation_field = "organisation"

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    # A person is anonymised rather than deleted; should one be deleted, their openings stay, by nobody named.
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    hour = models.DateTimeField(_("hour"))
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("staff access")
        verbose_name_plural = _("staff access log")
        constraints = [models.UniqueConstraint(fields=["staff", "ticket", "hour"], name="staffaccess_once_an_hour")]
        indexes = [
            models.Index(fields=["organisation", "-at", "-id"], name="staffaccess_org_time"),
            models.Index(fields=["organisation", "ticket", "-at", "-id"], name="staffaccess_org_ticket_time"),
            models.Index(fields=["organisation", "staff", "-at", "-id"], name="staffaccess_org_staff_time"),
            models.Index(fields=["at"], name="staffaccess_time"),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} → {self.ticket_id} @ {self.at:%Y-%m-%d %H:%M}"
