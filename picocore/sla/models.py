"""Business-hours calendars, the SLA clocks derived for each ticket, and the on-call rota."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from picocore.contracts.models import ClockKind, SlaMetric
from picocore.core.clock import now
from picocore.core.models import TimeStampedModel
from picocore.sla.calendar import holidays_problem
from picocore.tenancy.models import validate_time_zone

WEEKDAYS = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")), (4, _("Friday")),
            (5, _("Saturday")), (6, _("Sunday"))]  # fmt: skip


class BusinessHoursCalendar(TimeStampedModel):
    """When a contract's business-time clocks run: weekly intervals in a time zone, public holidays of a
    country (and subdivision), extra closed days and extra open periods."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Copenhagen", validators=[validate_time_zone]
    )
    country = models.CharField(_("public holidays of (country code)"), max_length=2, blank=True, help_text="e.g. DK")
    subdivision = models.CharField(_("subdivision"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("business-hours calendar")
        verbose_name_plural = _("business-hours calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse public holidays the `holidays` package does not know: such a calendar could not count time."""
        self.country = self.country.strip().upper()
        self.subdivision = self.subdivision.strip()
        if self.subdivision and not self.country:
            raise ValidationError({"country": _("Give the country of the subdivision.")})
        if self.country and holidays_problem(self.country, ""):
            raise ValidationError(
                {"country": _("No public holidays are known for “%(code)s”: use an ISO 3166 code such as DK.")
                 % {"code": self.country}}
            )  # fmt: skip
        if self.subdivision and holidays_problem(self.country, self.subdivision):
            raise ValidationError(
                {"subdivision": _("%(country)s has no subdivision “%(code)s” with public holidays of its own.")
                 % {"country": self.country, "code": self.subdivision}}
            )  # fmt: skip


class CalendarInterval(models.Model):
    """One open interval on one weekday, in the calendar's local wall-clock time."""

    calendar = models.ForeignKey(BusinessHoursCalendar, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"), help_text=_("00:00 means midnight at the end of the day."))

    class Meta:
        verbose_name = _("open interval")
        verbose_name_plural = _("weekly schedule")
        ordering = ["weekday", "starts"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"

    def clean(self) -> None:
        if self.ends != self.ends.replace(hour=0, minute=0, second=0) and self.ends <= self.starts:
            raise ValidationError(_("An interval ends after it starts."))


class CalendarClosedDay(models.Model):
    """A day the calendar is closed in addition to public holidays (e.g. 24 December)."""

    calendar = models.ForeignKey(BusinessHoursCalendar, on_delete=models.CASCADE, related_name="closed_days")
    day = models.DateField(_("day"))
    reason = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("extra closed day")
        verbose_name_plural = _("extra closed days")
        constraints = [models.UniqueConstraint(fields=["calendar", "day"], name="closedday_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.reason}"


class CalendarExtraOpen(models.Model):
    """An extra open period (e.g. a Saturday release window); it counts even on a holiday."""

    calendar = models.ForeignKey(BusinessHoursCalendar, on_delete=models.CASCADE, related_name="extra_open")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("extra open period")
        verbose_name_plural = _("extra open periods")
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="extraopen_order")]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M} {self.reason}"


# A running clock whose warning nobody recorded and that is not breached (a breached one is escalated as a breach).
WARNING_PENDING = Q(
    warning_recorded_at__isnull=True,
    due_at__isnull=False,
    stopped_at__isnull=True,
    breached_at__isnull=True,
    breach_recorded_at__isnull=True,
)


class SlaClock(models.Model):
    """One clock of one ticket, as last derived from its timeline and contract (never patched in place).

    `due_at` is set while the clock runs, empty while paused or stopped; `breached_at` is the moment the
    target was exceeded (also after the clock stopped late). The sweep's bookkeeping (`warning_recorded_at`,
    `breach_recorded_at`) makes it record each warning and breach once; a breach is recorded by whichever of
    the sweep and `sla_recompute` sees it first, stamped with `breached_at` (see `picocore.sla.escalation`).
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="sla_clocks")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(_("clock"), max_length=20, choices=SlaMetric.choices)
    target_seconds = models.PositiveIntegerField(_("target (seconds)"))
    clock = models.CharField(_("counted in"), max_length=10, choices=ClockKind.choices)
    started_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    stopped_by = models.CharField(
        _("stopped by"), max_length=20, blank=True, help_text=_("“reply”, or the status that stopped the clock.")
    )
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    elapsed_seconds = models.PositiveIntegerField(_("counted so far (seconds)"), default=0)
    computed_at = models.DateTimeField(_("computed"), default=now)
    warning_recorded_at = models.DateTimeField(null=True, blank=True)
    breach_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        constraints = [models.UniqueConstraint(fields=["ticket", "metric"], name="slaclock_one_per_metric")]
        indexes = [
            models.Index(fields=["due_at"], name="slaclock_due", condition=Q(breach_recorded_at__isnull=True)),
            # Running clocks whose warning nobody recorded and that are not breached: the sweep's look for due
            # warnings is a range scan of exactly these, however many clocks stopped or breached before warning.
            models.Index(
                fields=["warn_at"],
                name="slaclock_warn_pending",
                condition=WARNING_PENDING,
            ),
            # Breaches the clock's history holds but nobody recorded yet: normally none, so the sweep's look is free.
            models.Index(
                fields=["breached_at"],
                name="slaclock_breach_unrecorded",
                condition=Q(breached_at__isnull=False, breach_recorded_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.metric}"

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None and self.stopped_at is None

    @property
    def met(self) -> bool | None:
        """True/False once stopped (in time / late); None while it runs or is paused."""
        if self.stopped_at is None:
            return None
        return self.breached_at is None


class OnCallShift(models.Model):
    """Who is on call when: the consultant paged for a P1 outside business hours."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="on_call_shifts")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    team = models.ForeignKey("tenancy.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("on-call shift")
        verbose_name_plural = _("on-call rota")
        ordering = ["starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="oncall_order")]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="oncall_time")]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%a %d %b %H:%M}–{self.ends_at:%a %d %b %H:%M}"
