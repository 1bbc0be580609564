"""Changes to customers' solutions, planned against their landscape, and what governs them: the standard-change
catalogue, maintenance windows and freezes, customer approvals and the internal CAB's votes, the maintenance
notices sent, the post-implementation review, and the secret calendar feeds.

A change is changed only through `picocore.changes.services`; its status moves only through the one guarded
transition service (the allowed moves are `picocore.changes.states`)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from picocore.changes.choices import (
    ApprovalRule,
    ChangeEventKind,
    ChangeStatus,
    ChangeType,
    Decision,
    DecisionChannel,
    NoticeKind,
    Outcome,
    RiskLevel,
)
from picocore.core.clock import now
from picocore.core.models import TimeStampedModel


class StandardChangeTemplate(TimeStampedModel):
    """A pre-approved change offered to the contracts of `tiers`: its plans and duration are copied into each
    change made from it, which then needs no approval. Its failure rate (failed ÷ reviewed changes made from it)
    feeds the risk of the next one."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True)
    tiers = models.ManyToManyField("contracts.Tier", related_name="standard_changes", blank=True)
    implementation_plan = models.TextField(_("implementation plan"))
    test_plan = models.TextField(_("test plan"))
    backout_plan = models.TextField(_("back-out plan"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    downtime_minutes = models.PositiveIntegerField(_("expected downtime (minutes)"), default=0)
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("standard change")
        verbose_name_plural = _("standard changes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApprovalPolicy(models.Model):
    """How a contract's normal changes are approved by the customer: by any one, all, or `needed` of the
    organisation's approver contacts. A contract without a policy needs any one approver."""

    contract = models.OneToOneField("contracts.Contract", on_delete=models.CASCADE, related_name="approval_policy")
    rule = models.CharField(_("approval rule"), max_length=10, choices=ApprovalRule.choices, default=ApprovalRule.ANY)
    needed = models.PositiveSmallIntegerField(_("approvals needed"), default=1, help_text=_("For “a number”."))

    class Meta:
        verbose_name = _("approval policy")
        verbose_name_plural = _("approval policies")
        constraints = [models.CheckConstraint(condition=Q(needed__gte=1), name="approvalpolicy_needed_positive")]

    def __str__(self) -> str:
        return f"{self.contract}: {self.get_rule_display()}"


class CabSettings(models.Model):
    """The installation's change advisory board: how many service managers' approvals make a decision. One row."""

    SINGLETON = 1

    quorum = models.PositiveSmallIntegerField(_("CAB quorum"), default=1)
    approval_link_days = models.PositiveSmallIntegerField(_("approval links valid for (days)"), default=7)
    reminder_hours = models.PositiveSmallIntegerField(_("remind approvers after (hours)"), default=24)

    class Meta:
        verbose_name = _("CAB settings")
        verbose_name_plural = _("CAB settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="cabsettings_singleton"),
            models.CheckConstraint(condition=Q(quorum__gte=1), name="cabsettings_quorum_positive"),
        ]

    def __str__(self) -> str:
        return str(_("CAB settings"))


class MaintenanceWindow(TimeStampedModel):
    """A weekly window in which the customer accepts changes: from `starts_at` on `weekday` (0 = Monday) for
    `duration_minutes`, in the organisation's time zone (so it follows daylight saving time)."""

    organisation = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.CASCADE, related_name="maintenance_windows"
    )
    label = models.CharField(_("label"), max_length=120, blank=True)
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=[(i, d) for i, d in enumerate(
            [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
        )],
    )  # fmt: skip
    starts_at = models.TimeField(_("starts at"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))

    class Meta:
        verbose_name = _("maintenance window")
        verbose_name_plural = _("maintenance windows")
        ordering = ["organisation", "weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="window_weekday_valid"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=7 * 24 * 60), name="window_duration_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M} +{self.duration_minutes} min"


class Freeze(TimeStampedModel):
    """Days on which no normal change may be scheduled: for one organisation, or for all (`organisation` empty);
    from `starts_on` to `ends_on` inclusive, in the organisation's time zone; every year when `recurs_yearly`."""

    organisation = models.ForeignKey(
        "tenancy.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="freezes"
    )
    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    recurs_yearly = models.BooleanField(_("every year"), default=False)

    class Meta:
        verbose_name = _("freeze")
        verbose_name_plural = _("freezes")
        ordering = ["starts_on"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="freeze_ends_after_start")]

    def __str__(self) -> str:
        return self.name


class Change(models.Model):
    """A change to one customer's solutions, keyed `CHG-<n>` across the installation. Carries its plans, its
    planned window, its risk (the questionnaire's answers and the computed factors, each with its weight) and
    `sequence`, raised on every reschedule (the iCalendar SEQUENCE and the key of the one notice per reschedule)."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="changes")
    number = models.PositiveBigIntegerField(_("number"), unique=True, editable=False)
    uid = models.UUIDField(_("calendar UID"), default=uuid.uuid4, unique=True, editable=False)
    change_type = models.CharField(_("type"), max_length=10, choices=ChangeType.choices)
    template = models.ForeignKey(
        StandardChangeTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="changes"
    )
    status = models.CharField(_("status"), max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.DRAFT)
    title = models.CharField(_("title"), max_length=200)
    reason = models.TextField(_("reason"))
    implementation_plan = models.TextField(_("implementation plan"), blank=True)
    test_plan = models.TextField(_("test plan"), blank=True)
    backout_plan = models.TextField(_("back-out plan"), blank=True)
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True)
    planned_end = models.DateTimeField(_("planned end"), null=True, blank=True)
    downtime_minutes = models.PositiveIntegerField(_("expected downtime (minutes)"), default=0)
    sequence = models.PositiveIntegerField(_("reschedules"), default=0, editable=False)
    schedule_override = models.CharField(
        _("why outside the window or in a freeze"), max_length=500, blank=True,
        help_text=_("Emergency changes only."),
    )  # fmt: skip
    risk_answers = models.JSONField(_("risk questionnaire"), default=dict, blank=True)
    risk_factors = models.JSONField(_("risk factors"), default=list, blank=True, editable=False)
    risk_score = models.PositiveSmallIntegerField(_("risk score"), default=0, editable=False)
    risk_level = models.CharField(
        _("risk"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW, editable=False
    )
    approval_round = models.PositiveSmallIntegerField(
        _("approval round"), default=0, editable=False, help_text=_("Raised each time approval is asked anew.")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="changes",
        help_text=_("The request it came from: the customer conversation stays there."),
    )  # fmt: skip
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    implementer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="implemented_changes"
    )
    created_at = models.DateTimeField(_("created"), default=now)
    updated_at = models.DateTimeField(_("updated"), default=now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("implemented"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gt=F("planned_start")),
                name="change_window_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status"], name="change_org_status"),
            models.Index(fields=["planned_start", "planned_end"], name="change_window"),
            models.Index(fields=["organisation", "planned_start"], name="change_org_window"),
            models.Index(fields=["implementer", "planned_start"], name="change_implementer_window"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    @property
    def key(self) -> str:
        return f"CHG-{self.number}"


class ChangeComponent(models.Model):
    """A component a person confirmed the change affects. Suggestions (impact paths) are never stored here."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+", editable=False)
    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="affected")
    component = models.ForeignKey("cmdb.Component", on_delete=models.CASCADE, related_name="changes_affecting")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed"), default=now)

    class Meta:
        verbose_name = _("affected component")
        verbose_name_plural = _("affected components")
        constraints = [models.UniqueConstraint(fields=["change", "component"], name="change_component_unique")]
        indexes = [models.Index(fields=["component", "change"], name="change_component_component")]

    def __str__(self) -> str:
        return f"{self.change_id} → {self.component_id}"


class ApprovalRequest(models.Model):
    """One approver contact asked to decide one round of a change; the signed link in their e-mail names this row,
    and using it sets `used_at` (single use). `reminded_at` keeps reminders to one per interval."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+", editable=False)
    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="approval_requests")
    contact = models.ForeignKey("cmdb.Contact", on_delete=models.CASCADE, related_name="approval_requests")
    round = models.PositiveSmallIntegerField(_("round"))
    asked_at = models.DateTimeField(_("asked"), default=now)
    expires_at = models.DateTimeField(_("link expires"))
    reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)
    used_at = models.DateTimeField(_("link used"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        constraints = [
            models.UniqueConstraint(fields=["change", "contact", "round"], name="approval_request_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.change_id} / {self.contact_id} #{self.round}"


class CustomerDecision(models.Model):
    """One approver's decision on one round of a change (a reason is required to reject). One per approver and
    round: the unique constraint makes a repeated click or link change nothing."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+", editable=False)
    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="customer_decisions")
    contact = models.ForeignKey("cmdb.Contact", on_delete=models.PROTECT, related_name="change_decisions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    round = models.PositiveSmallIntegerField(_("round"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    reason = models.CharField(_("reason"), max_length=1000, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=DecisionChannel.choices)
    decided_at = models.DateTimeField(_("decided"), default=now)

    class Meta:
        verbose_name = _("customer decision")
        verbose_name_plural = _("customer decisions")
        constraints = [
            models.UniqueConstraint(fields=["change", "contact", "round"], name="customer_decision_unique"),
            models.CheckConstraint(
                condition=~Q(decision=Decision.REJECTED) | ~Q(reason=""), name="customer_decision_reject_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.change_id}: {self.decision}"


class CabVote(models.Model):
    """One service manager's vote on one round of a change for the internal change advisory board."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="cab_votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField(_("round"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    reason = models.CharField(_("reason"), max_length=1000, blank=True)
    decided_at = models.DateTimeField(_("decided"), default=now)

    class Meta:
        verbose_name = _("CAB vote")
        verbose_name_plural = _("CAB votes")
        constraints = [models.UniqueConstraint(fields=["change", "voter", "round"], name="cab_vote_unique")]

    def __str__(self) -> str:
        return f"{self.change_id}: {self.voter_id} {self.decision}"


class ChangeEvent(models.Model):
    """One entry of a change's history: who did what, when; `data` holds the kind's own fields."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=30, choices=ChangeEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=now)

    class Meta:
        verbose_name = _("change event")
        verbose_name_plural = _("change events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["change", "created_at"], name="change_event_change")]

    def __str__(self) -> str:
        return f"{self.change_id} {self.kind}"

    @property
    def reason(self) -> str:
        """The reason the entry gives (a decision's, a refused scheduling's), or ""."""
        value = self.data.get("reason") if isinstance(self.data, dict) else None
        return value if isinstance(value, str) else ""


class ChangeNotice(models.Model):
    """A maintenance notice about a change, sent once: the unique key (change, kind, sequence) makes a retried or
    repeated step send nothing more, and allows exactly one notice per reschedule."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices)
    sequence = models.PositiveIntegerField(_("sequence"))
    created_at = models.DateTimeField(_("sent"), default=now)

    class Meta:
        verbose_name = _("maintenance notice")
        verbose_name_plural = _("maintenance notices")
        constraints = [models.UniqueConstraint(fields=["change", "kind", "sequence"], name="change_notice_once")]

    def __str__(self) -> str:
        return f"{self.change_id} {self.kind} #{self.sequence}"


class PostImplementationReview(models.Model):
    """What a change's implementation showed: its outcome, the incidents it caused, lessons. Required before a
    failed or emergency change closes."""

    change = models.OneToOneField(Change, on_delete=models.CASCADE, related_name="review")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    lessons = models.TextField(_("lessons"), blank=True)
    incidents = models.ManyToManyField("tickets.Ticket", blank=True, related_name="caused_by_changes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("reviewed"), default=now)

    class Meta:
        verbose_name = _("post-implementation review")
        verbose_name_plural = _("post-implementation reviews")

    def __str__(self) -> str:
        return f"{self.change_id}: {self.outcome}"


class CalendarFeed(models.Model):
    """A secret iCalendar feed address: of one organisation's changes, or of one consultant's (as implementer).
    Only a hash of the token is kept; a new token replaces the old one."""

    organisation = models.ForeignKey(
        "tenancy.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="change_feeds"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="change_feeds"
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), default=now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False, user__isnull=True)
                | Q(organisation__isnull=True, user__isnull=False),
                name="calendarfeed_org_xor_user",
            ),
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(organisation__isnull=False), name="calendarfeed_one_per_org"
            ),
            models.UniqueConstraint(fields=["user"], condition=Q(user__isnull=False), name="calendarfeed_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"feed {self.organisation_id or self.user_id}"
