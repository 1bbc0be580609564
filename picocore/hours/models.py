"""Time worked on tickets and the hour bank it is debited from, one ledger per contract and month."""

from typing import TYPE_CHECKING

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now
from picocore.core.models import TimeStampedModel
from picocore.hours.choices import NonBillableReason

if TYPE_CHECKING:
    from picocore.tenancy.models import User

MAX_ENTRY_MINUTES = 24 * 60
RATE_FIELD = {"max_digits": 4, "decimal_places": 2, "default": 1, "validators": [MinValueValidator(0)]}


class HourTerms(TimeStampedModel):
    """What a contract includes in hours and how time is charged against it. A contract without terms, or with
    no included minutes, has no bank: its time is only counted."""

    contract = models.OneToOneField("contracts.Contract", on_delete=models.CASCADE, related_name="hour_terms")
    included_minutes = models.PositiveIntegerField(_("minutes included per month"), default=0)
    carry_over_cap_minutes = models.PositiveIntegerField(_("carry-over cap (minutes)"), default=0)
    carry_over_months = models.PositiveSmallIntegerField(
        _("carry-over expires after (months)"), default=0, validators=[MaxValueValidator(24)]
    )
    rounding_minutes = models.PositiveSmallIntegerField(
        _("round each entry up to (minutes)"), default=0, validators=[MaxValueValidator(240)]
    )
    outside_hours_rate = models.DecimalField(_("rate outside business hours"), **RATE_FIELD)  # type: ignore[arg-type]
    weekend_rate = models.DecimalField(_("rate on weekends"), **RATE_FIELD)  # type: ignore[arg-type]
    holiday_rate = models.DecimalField(_("rate on public holidays"), **RATE_FIELD)  # type: ignore[arg-type]
    close_day = models.PositiveSmallIntegerField(
        _("close the previous month on day"), default=3, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    edit_window_hours = models.PositiveSmallIntegerField(
        _("authors may edit entries for (hours)"), default=48, validators=[MaxValueValidator(24 * 31)]
    )
    requesters_see_hours = models.BooleanField(_("requesters see the hours too"), default=False)

    class Meta:
        verbose_name = _("hour terms")
        verbose_name_plural = _("hour terms")

    def __str__(self) -> str:
        return f"{self.contract}: {self.included_minutes} min"


class LedgerMonth(models.Model):
    """One month of one contract's bank: closed (frozen) or open, and which warnings it has sent."""

    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE, related_name="ledger_months")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"), help_text=_("Its first day."))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey("tenancy.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # What the month's figures were when it closed (picocore.hours.ledger.MonthFigures as data): the next month
    # starts from these, whatever later changes to the terms.
    closing = models.JSONField(_("figures at closing"), null=True, blank=True)
    warned_80_at = models.DateTimeField(null=True, blank=True)
    warned_100_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ledger month")
        verbose_name_plural = _("ledger months")
        constraints = [
            models.UniqueConstraint(fields=["contract", "month"], name="ledgermonth_once"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} {self.month:%Y-%m}"


class TimeEntry(models.Model):
    """Time one person worked on one ticket (or a development item of it) on one day. Customers see the entries
    of the tickets they see (`picocore.tenancy.scope.restrict`: a requester their own and followed ones)."""

    tenancy_organisation_field = "organisation"
    tenancy_owner_field = "ticket__requester"
    tenancy_shared_field = "ticket__shared"

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="time_entries")
    development_item = models.ForeignKey(
        "development.DevelopmentItem", null=True, blank=True, on_delete=models.PROTECT, related_name="time_entries"
    )
    contract = models.ForeignKey(
        "contracts.Contract", null=True, blank=True, on_delete=models.PROTECT, related_name="time_entries"
    )
    author = models.ForeignKey("tenancy.User", on_delete=models.PROTECT, related_name="time_entries")
    work_date = models.DateField(_("date"))
    month = models.DateField(_("ledger month"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    minutes = models.PositiveIntegerField(
        _("minutes"), validators=[MinValueValidator(1), MaxValueValidator(MAX_ENTRY_MINUTES)]
    )
    billable = models.BooleanField(_("billable"), default=True)
    non_billable_reason = models.CharField(
        _("why not billable"), max_length=20, choices=NonBillableReason.choices, blank=True
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    debited_minutes = models.PositiveIntegerField(_("debited minutes"), default=0)
    debit = models.JSONField(_("how the debit was counted"), default=dict)
    event = models.ForeignKey(
        "tickets.TicketEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="time_entries"
    )
    created_at = models.DateTimeField(_("created"), default=now)
    updated_at = models.DateTimeField(_("updated"), default=now)

    class Meta:
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        constraints = [
            models.CheckConstraint(
                condition=Q(billable=True, non_billable_reason="") | Q(billable=False) & ~Q(non_billable_reason=""),
                name="timeentry_reason_when_not_billable",
            ),
        ]
        indexes = [
            models.Index(fields=["contract", "month"], name="timeentry_contract_month"),
            models.Index(fields=["ticket", "work_date"], name="timeentry_ticket_date"),
            models.Index(fields=["author", "work_date"], name="timeentry_author_date"),
        ]

    def __str__(self) -> str:
        return f"{self.minutes} min on {self.ticket_id} by {self.author_id}"

    @classmethod
    def tenancy_followed_q(cls, user: "User") -> Q:
        from picocore.tickets.models import TicketWatcher

        return Q(ticket_id__in=TicketWatcher.objects.filter(user=user).values("ticket_id"))


class LedgerAdjustment(models.Model):
    """A correction of a month's bank with a reason: minutes added (positive) or charged (negative)."""

    tenancy_organisation_field = "organisation"

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="ledger_adjustments")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("ledger month"))
    minutes = models.IntegerField(_("minutes"), help_text=_("Positive adds to the bank; negative charges it."))
    reason = models.CharField(_("reason"), max_length=300)
    entry = models.ForeignKey(
        TimeEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="adjustments",
        help_text=_("The entry this corrects, if any."),
    )  # fmt: skip
    actor = models.ForeignKey("tenancy.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=now)

    class Meta:
        verbose_name = _("ledger adjustment")
        verbose_name_plural = _("ledger adjustments")
        constraints = [
            models.CheckConstraint(condition=~Q(minutes=0), name="adjustment_not_zero"),
            models.CheckConstraint(condition=~Q(reason=""), name="adjustment_has_reason"),
        ]
        indexes = [models.Index(fields=["contract", "month"], name="adjustment_contract_month")]

    def __str__(self) -> str:
        return f"{self.minutes:+} min {self.month:%Y-%m}: {self.reason}"


class ApprovalDecision(models.TextChoices):
    PENDING = "", _("Awaiting the customer")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class OverageApproval(models.Model):
    """The service team asks the customer's admins to approve work estimated to exceed the hours left, before
    it starts; the answer is kept with the ticket."""

    tenancy_organisation_field = "organisation"

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="overage_approvals")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="+")
    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"))
    remaining_minutes = models.IntegerField(_("minutes left when asked"))
    note = models.CharField(_("what the work is"), max_length=500)
    asked_by = models.ForeignKey("tenancy.User", on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(_("asked"), default=now)
    decision = models.CharField(_("decision"), max_length=10, choices=ApprovalDecision.choices, blank=True)
    decided_by = models.ForeignKey("tenancy.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("the customer's note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("overage approval")
        verbose_name_plural = _("overage approvals")
        constraints = [
            models.UniqueConstraint(fields=["ticket"], condition=Q(decision=""), name="overage_one_pending_per_ticket")
        ]

    def __str__(self) -> str:
        return f"{self.estimated_minutes} min on {self.ticket_id}: {self.decision or 'pending'}"


class RunningTimer(models.Model):
    """A stopwatch a person runs on a ticket (or a development item of it), kept on the server so it survives a
    reload or another device; each person has at most one running. Stopping it logs the time it ran."""

    tenancy_organisation_field = "organisation"

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="running_timers")
    development_item = models.ForeignKey(
        "development.DevelopmentItem", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey("tenancy.User", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(_("started"), default=now)

    class Meta:
        verbose_name = _("running timer")
        verbose_name_plural = _("running timers")
        constraints = [models.UniqueConstraint(fields=["user"], name="runningtimer_one_per_person")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.ticket_id} since {self.started_at:%Y-%m-%d %H:%M}"
