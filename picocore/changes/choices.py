from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeType(models.TextChoices):
    """ITIL's three kinds of change: a pre-approved standard one, a normal one (assessed and approved), and an
    emergency one (approved after the fact, reviewed always)."""

    STANDARD = "standard", _("Standard")
    NORMAL = "normal", _("Normal")
    EMERGENCY = "emergency", _("Emergency")


class ChangeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ASSESSMENT = "assessment", _("Assessment")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    SCHEDULED = "scheduled", _("Scheduled")
    IMPLEMENTING = "implementing", _("Implementing")
    REVIEW = "review", _("In review")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


class ApprovalRule(models.TextChoices):
    """How many of a customer's approvers must approve a normal change (per contract)."""

    ANY = "any", _("Any one approver")
    ALL = "all", _("All approvers")
    COUNT = "count", _("A number of approvers")


class Decision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class DecisionChannel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    LINK = "link", _("E-mail link")
    DESK = "desk", _("Desk")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Outcome(models.TextChoices):
    """What a post-implementation review found."""

    SUCCESSFUL = "successful", _("Successful")
    SUCCESSFUL_WITH_ISSUES = "with_issues", _("Successful, with issues")
    BACKED_OUT = "backed_out", _("Backed out")
    FAILED = "failed", _("Failed")


class NoticeKind(models.TextChoices):
    """The maintenance notices a customer's contacts receive about a change."""

    SCHEDULED = "scheduled", _("Scheduled")
    RESCHEDULED = "rescheduled", _("Rescheduled")
    STARTED = "started", _("Started")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class ChangeEventKind(models.TextChoices):
    """The entries of a change's history."""

    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    STATUS = "status", _("Status changed")
    COMPONENTS = "components", _("Affected components confirmed")
    SCHEDULED = "scheduled", _("Window planned")
    CUSTOMER_DECISION = "customer_decision", _("Customer decision")
    CAB_DECISION = "cab_decision", _("CAB decision")
    REVIEW = "review", _("Post-implementation review")
    OVERRIDE = "override", _("Window or freeze overridden")
    NOT_SCHEDULED = "not_scheduled", _("Approved, but the window no longer holds")
