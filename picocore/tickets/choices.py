from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_ON_CUSTOMER = "waiting_on_customer", _("Waiting on you")
    WAITING_ON_THIRD_PARTY = "waiting_on_third_party", _("Waiting on a third party")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (
    Status.NEW,
    Status.TRIAGED,
    Status.IN_PROGRESS,
    Status.WAITING_ON_CUSTOMER,
    Status.WAITING_ON_THIRD_PARTY,
)
# "Open" for the customer's home page: everything not yet closed or cancelled, resolved included,
# because a resolved request still waits for the customer's confirmation.
UNFINISHED_STATUSES = (*OPEN_STATUSES, Status.RESOLVED)


class Audience(models.TextChoices):
    """Who reads a status: the service team on the desk, or the customer in the portal and their e-mails."""

    STAFF = "staff", _("Service team")
    CUSTOMER = "customer", _("Customer")


# The labels of `Status` are the customer's words ("Waiting on you"); the desk says whom it waits on.
STAFF_STATUS_LABELS = {Status.WAITING_ON_CUSTOMER: _("Waiting on customer")}


def status_label(status: str, audience: str = Audience.CUSTOMER) -> str:
    """The name of a status value for `audience`: "waiting_on_customer" is "Waiting on customer" for the
    service team and "Waiting on you" for the customer. An unknown value is returned as it is."""
    try:
        value = Status(status)
    except ValueError:
        return status
    if audience == Audience.STAFF:
        return str(STAFF_STATUS_LABELS.get(value, value.label))
    return str(value.label)


def status_choices(
    audience: str = Audience.CUSTOMER, statuses: tuple[Status, ...] | None = None
) -> list[tuple[str, str]]:
    """(value, label) pairs for a select, every status or `statuses`, in `audience`'s words (in the active
    language: forms pass `staff_status_choices` itself, so it is read per form, not at import)."""
    return [(s.value, status_label(s, audience)) for s in (statuses if statuses is not None else tuple(Status))]


def staff_status_choices() -> list[tuple[str, str]]:
    """Every status, in the service team's words."""
    return status_choices(Audience.STAFF)


class Channel(models.TextChoices):
    WEB = "web", _("Web portal")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    API = "api", _("API")


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    PUBLIC_REPLY = "public_reply", _("Reply")
    INTERNAL_NOTE = "internal_note", _("Internal note")
    STATUS_CHANGED = "status_changed", _("Status changed")
    FIELD_CHANGED = "field_changed", _("Field changed")
    ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
    LINKED = "linked", _("Linked")
    MERGED = "merged", _("Merged")
    DEVELOPMENT = "development", _("Development milestone")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breached")


class LinkKind(models.TextChoices):
    """How one ticket relates to another; read as "<source> <kind> <target>"."""

    RELATED = "related", _("is related to")
    DUPLICATE_OF = "duplicate_of", _("duplicates")
    PARENT_OF = "parent_of", _("is the parent of")


class CannedReplyKind(models.TextChoices):
    """What a canned reply fills: the composer's public reply or its internal note."""

    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")
