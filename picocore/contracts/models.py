"""Subscription tiers and the contracts that put an organisation on one.

SLA targets, business-hours calendars and the hour bank attach here in a later step; the tier already
decides which request types the portal offers.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from picocore.core.models import TimeStampedModel


class Tier(TimeStampedModel):
    """A subscription level (Essential, Standard, Premium…): what customers on it may request."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    rank = models.PositiveSmallIntegerField(_("rank"), default=1, help_text=_("Higher ranks offer more."))
    description = models.TextField(_("description"), blank=True)
    request_types = models.ManyToManyField(
        "catalog.RequestType", related_name="tiers", blank=True, verbose_name=_("request types offered")
    )
    reopen_window_days = models.PositiveSmallIntegerField(
        _("reopen window (days)"),
        default=14,
        help_text=_("For how long after a resolution the customer may reopen the request or reply to reopen it."),
    )
    auto_close_after_days = models.PositiveSmallIntegerField(
        _("close resolved requests after (days)"),
        default=5,
        help_text=_("A resolved request the customer neither confirms nor reopens is closed after this many days."),
    )

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name


class Contract(TimeStampedModel):
    """An organisation's subscription on a tier from `starts_on` until `ends_on` (open-ended when empty)."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="contracts")
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="contracts")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    hotline_number = models.CharField(_("hotline number"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["organisation__name", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="contract_ends_after_start",
            )
        ]
        indexes = [models.Index(fields=["organisation", "starts_on"])]

    def __str__(self) -> str:
        return f"{self.organisation} on {self.tier}"

    def clean(self) -> None:
        if self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("A contract cannot end before it starts.")})

    def in_force_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)
