"""A requester's rating of one resolution of their request."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now

SCALE = 5  # the widest scale: ratings run from 1 (bad) to a tier's scale (3 or SCALE, very good)


class Rating(models.Model):
    """One score (and an optional comment) per requester and resolution; changeable for a week after the
    resolution. The resolution is the status change to resolved that the rating link was made for. `scale` is the
    top score the requester was offered (the tier's scale at the resolution), kept so scores on a 1–3 and a 1–5
    scale can be compared."""

    tenancy_organisation_field = "organisation"
    tenancy_owner_field = "requester"

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="ratings")
    resolution = models.ForeignKey("tickets.TicketEvent", on_delete=models.CASCADE, related_name="ratings")
    requester = models.ForeignKey("tenancy.User", on_delete=models.PROTECT, related_name="ratings")
    # Who worked it at the resolution (for scores per team and consultant), kept as they were then.
    team = models.ForeignKey("tenancy.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assignee = models.ForeignKey("tenancy.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"), validators=[MinValueValidator(1), MaxValueValidator(SCALE)])
    scale = models.PositiveSmallIntegerField(_("scale"), default=SCALE)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    follow_up_at = models.DateTimeField(_("follow-up asked"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=now)
    updated_at = models.DateTimeField(_("updated"), default=now)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["resolution", "requester"], name="rating_once_per_resolution"),
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=SCALE), name="rating_score_in_scale"),
            models.CheckConstraint(condition=Q(score__lte=models.F("scale")), name="rating_score_within_its_scale"),
        ]
        indexes = [models.Index(fields=["organisation", "created_at"], name="rating_org_created")]

    def __str__(self) -> str:
        return f"{self.score}/{self.scale} for {self.ticket_id}"
