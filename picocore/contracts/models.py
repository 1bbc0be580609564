"""Subscription tiers and the contracts that put an organisation on one.

SLA targets, business-hours calendars and the hour bank attach here in a later step; the tier already
decides which request types the portal offers.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from picocore.core.models import TimeStampedModel


class SlaMetric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_UPDATE = "next_update", _("Update interval")
    RESOLUTION = "resolution", _("Resolution")


class ClockKind(models.TextChoices):
    BUSINESS = "business", _("Business hours")
    CALENDAR = "calendar", _("Around the clock (24/7)")


class HotlineCoverage(models.TextChoices):
    NONE = "none", _("No hotline")
    BUSINESS_HOURS = "business_hours", _("Business hours")
    P1_AROUND_THE_CLOCK = "p1_24_7", _("24/7 for P1, business hours otherwise")


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
    warn_at_percent = models.PositiveSmallIntegerField(
        # xgettext:no-python-format
        _("warn at (% of target)"),
        default=75,
        help_text=_("Warn the team when this share of a target is used."),
    )
    breaching_soon_hours = models.PositiveSmallIntegerField(
        _("breaching soon within (hours)"),
        default=8,
        help_text=_(
            "The desk lists a ticket under “Breaching soon” once a clock has used its warning share or has at most "
            "this many hours left, counted like the target (business hours for business-time targets)."
        ),
    )
    pause_on_third_party = models.BooleanField(
        _("pause clocks while waiting on a third party"),
        default=False,
        help_text=_("Clocks always pause while waiting on the customer."),
    )
    hours_per_month = models.DecimalField(_("hours included per month"), max_digits=6, decimal_places=1, default=0)
    hotline_coverage = models.CharField(
        _("hotline coverage"), max_length=20, choices=HotlineCoverage.choices, default=HotlineCoverage.NONE
    )
    auto_close_after_days = models.PositiveSmallIntegerField(
        _("close resolved requests after (days)"),
        default=5,
        help_text=_("A resolved request the customer neither confirms nor reopens is closed after this many days."),
    )

    time_required_on_reply = models.BooleanField(
        _("time required on reply"),
        default=False,
        help_text=_("Consultants must log the time a public reply took in the same action."),
    )
    rating_scale = models.PositiveSmallIntegerField(
        _("satisfaction scale"),
        choices=[(3, _("1 to 3")), (5, _("1 to 5"))],
        default=5,
        help_text=_("Requesters rate a resolution from 1 to this number."),
    )

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name


# Twenty years: longer than any retention a contract asks for, and a typo (2400 for 24) is refused.
RETENTION_MONTHS_LIMIT = 240


class Contract(TimeStampedModel):
    """An organisation's subscription on a tier from `starts_on` until `ends_on` (open-ended when empty)."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="contracts")
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="contracts")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    hotline_number = models.CharField(_("hotline number"), max_length=40, blank=True)
    calendar = models.ForeignKey(
        "sla.BusinessHoursCalendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("business-hours calendar"),
        help_text=_("Empty: around the clock."),
    )
    retention_months = models.PositiveSmallIntegerField(
        _("retention (months)"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, _("Keep closed requests for at least 1 month, or leave it empty to keep them.")),
            MaxValueValidator(
                RETENTION_MONTHS_LIMIT,
                _("Keep closed requests for at most 240 months (20 years), or leave it empty to keep them."),
            ),
        ],
        help_text=_(
            "Closed and cancelled requests of the organisation are anonymised this many months after they closed "
            "(a nightly job), unless on legal hold: the request, its key, status, priority, times and SLA figures "
            "stay, the names, e-mail addresses, texts and attachments of the customer's people go. Empty: kept "
            "until someone erases them."
        ),
    )

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


class SlaTarget(models.Model):
    """One guaranteed time: for a priority and a metric, how long, counted in business or calendar time.
    Belongs to a tier (its default) or to a contract (an override of that tier's target)."""

    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.CASCADE, related_name="sla_targets")
    contract = models.ForeignKey(Contract, null=True, blank=True, on_delete=models.CASCADE, related_name="sla_targets")
    priority = models.PositiveSmallIntegerField(_("priority"), choices=[(p, f"P{p}") for p in range(1, 6)])
    metric = models.CharField(_("metric"), max_length=20, choices=SlaMetric.choices)
    minutes = models.PositiveIntegerField(_("target (minutes)"))
    clock = models.CharField(_("counted in"), max_length=10, choices=ClockKind.choices, default=ClockKind.BUSINESS)

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["priority", "metric"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tier__isnull=False, contract__isnull=True) | Q(tier__isnull=True, contract__isnull=False),
                name="slatarget_tier_xor_contract",
            ),
            models.UniqueConstraint(fields=["tier", "priority", "metric"], name="slatarget_tier_unique"),
            models.UniqueConstraint(fields=["contract", "priority", "metric"], name="slatarget_contract_unique"),
        ]

    def __str__(self) -> str:
        owner = self.tier if self.tier_id else self.contract
        target = f"P{self.priority} {self.get_metric_display()}: {self.minutes} min ({self.get_clock_display()})"
        return f"{owner}: {target}" if owner else target
