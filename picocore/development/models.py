"""Development work handed from operations to a development team, linked to the customer's ticket."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now
from picocore.development.choices import Milestone


class DevelopmentItem(models.Model):
    """A change too big for operations, in a development team's backlog. Operations keeps the customer
    conversation on the ticket; developers see this item (and the ticket's key and title) only. A ticket has at
    most one unfinished item per development team."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="development_items")
    team = models.ForeignKey("tenancy.Team", on_delete=models.PROTECT, related_name="development_items")
    title = models.CharField(_("title"), max_length=200)
    brief = models.TextField(_("brief for the developers"))
    milestone = models.CharField(
        _("milestone"), max_length=20, choices=Milestone.choices, default=Milestone.HANDED_OVER
    )
    handed_over_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("handed over"), default=now)
    updated_at = models.DateTimeField(_("updated"), default=now)

    class Meta:
        verbose_name = _("development item")
        verbose_name_plural = _("development items")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["team", "milestone", "-updated_at"], name="devitem_team_milestone")]
        constraints = [
            # One unfinished item per ticket and team: a repeated hand-off (a double click, two consultants at
            # once) finds the existing item instead of making a second one. Released work may be followed up.
            models.UniqueConstraint(
                fields=["ticket", "team"],
                condition=~models.Q(milestone=Milestone.RELEASED),
                name="devitem_one_unfinished_per_ticket_team",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_milestone_display()})"
