"""What the desk remembers for the people working on it: how each person reads a timeline, and who has
which ticket open right now."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now


class TimelineOrder(models.TextChoices):
    NEWEST_FIRST = "newest", _("Newest first")
    OLDEST_FIRST = "oldest", _("Oldest first")


class DeskPreference(models.Model):
    """One row per person who changed a desk preference; no row means the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="desk_preference"
    )
    timeline_order = models.CharField(
        _("timeline order"), max_length=10, choices=TimelineOrder.choices, default=TimelineOrder.NEWEST_FIRST
    )

    class Meta:
        verbose_name = _("desk preference")
        verbose_name_plural = _("desk preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.timeline_order}"


class TicketPresence(models.Model):
    """When a person last had a ticket open (and last typed on it): one row per person and ticket, written
    by an upsert on every poll; rows older than the presence window are pruned by a periodic job
    (`picocore.desk.tasks.prune_ticket_presence`), so the table holds about the pairs on a ticket right now."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(_("last seen"), default=now)
    typing_at = models.DateTimeField(_("last typed"), null=True, blank=True)

    class Meta:
        verbose_name = _("presence on a ticket")
        verbose_name_plural = _("presences on tickets")
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="presence_unique")]
        indexes = [
            # Who is on a ticket now: its fresh rows only, read by range from this index.
            models.Index(fields=["ticket", "-seen_at"], name="presence_ticket_seen"),
            # The prune: the stale rows of every ticket, oldest first, by range.
            models.Index(fields=["seen_at"], name="presence_seen"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.ticket_id} at {self.seen_at:%H:%M:%S}"
