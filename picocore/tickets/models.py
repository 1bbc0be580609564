"""Tickets, their append-only timeline and their attachments."""

import uuid
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from picocore.catalog.choices import Impact, Priority, TicketType, Urgency
from picocore.core.clock import now
from picocore.core.models import TimeStampedModel
from picocore.tickets.choices import OPEN_STATUSES, CannedReplyKind, Channel, EventKind, LinkKind, Status
from picocore.tickets.timeline import Entry, entry_of

if TYPE_CHECKING:
    from picocore.tenancy.models import User


class Ticket(models.Model):
    """A customer's request, keyed `<PREFIX>-<n>` within its organisation. Changed only through services."""

    tenancy_owner_field = "requester"
    tenancy_shared_field = "shared"

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="tickets")
    number = models.PositiveBigIntegerField(_("number"), editable=False)
    key = models.CharField(_("key"), max_length=32, unique=True, editable=False)
    ticket_type = models.CharField(_("type"), max_length=20, choices=TicketType.choices)
    request_type = models.ForeignKey(
        "catalog.RequestType", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("request type")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    answers = models.JSONField(
        _("form answers"), default=list, blank=True, help_text=_("[{key, label, value}] as asked at submission.")
    )
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requested_tickets")
    solution = models.ForeignKey("cmdb.Solution", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    environment = models.ForeignKey(
        "cmdb.Environment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    component = models.ForeignKey(
        "cmdb.Component", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets",
        verbose_name=_("component"),
    )  # fmt: skip
    impact = models.CharField(_("impact"), max_length=10, choices=Impact.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    priority_reason = models.CharField(_("priority reason"), max_length=300)
    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.NEW)
    team = models.ForeignKey("tenancy.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tickets"
    )
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_due = models.DateField(_("next step expected"), null=True, blank=True)
    next_step_reminded_for = models.DateField(
        _("owner reminded of the next step expected"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The overdue date its owner was last asked for a new next step about."),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    created_at = models.DateTimeField(_("created"), default=now)
    updated_at = models.DateTimeField(_("updated"), default=now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    sla_due_at = models.DateTimeField(
        _("next SLA deadline"), null=True, blank=True, editable=False, help_text=_("The earliest running clock's.")
    )
    sla_warn_at = models.DateTimeField(
        _("SLA warning from"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the first running clock uses its warning share."),
    )
    sla_soon_at = models.DateTimeField(
        _("breaching soon from"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When a running clock passes its warning share or has few hours left, whichever comes first."),
    )
    sla_paused = models.BooleanField(_("SLA paused"), default=False, editable=False)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_tickets", editable=False
    )
    shared = models.BooleanField(
        _("shared with the organisation"),
        default=False,
        help_text=_("Where the organisation shows requesters their own and shared requests, its members see this one."),
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="ticket_number_unique"),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "-updated_at"], name="ticket_org_status"),
            models.Index(fields=["requester", "status", "-updated_at"], name="ticket_requester_status"),
            models.Index(fields=["organisation", "-updated_at"], name="ticket_org_updated"),
            models.Index(fields=["status", "resolved_at"], name="ticket_status_resolved"),
            models.Index(fields=["team", "status", "-updated_at"], name="ticket_team_status"),
            models.Index(fields=["assignee", "status", "-updated_at"], name="ticket_assignee_status"),
            models.Index(fields=["status", "-updated_at"], name="ticket_status_updated"),
            # The desk's queues page through open tickets in these two orders; partial indexes in exactly that
            # order let the database stop after one page instead of sorting every open ticket.
            models.Index(
                fields=["-updated_at", "-id"], name="ticket_open_recent", condition=models.Q(status__in=OPEN_STATUSES)
            ),
            # Every ticket in the same order, finished ones too: the API's list of all the tickets someone serves
            # reads its page from here and stops, instead of sorting every ticket of every organisation served.
            models.Index(fields=["-updated_at", "-id"], name="ticket_recent"),
            # The overdue next-step sweep reads only open, owned tickets whose next step has a date.
            models.Index(
                fields=["next_step_due", "id"],
                name="ticket_open_next_step_due",
                condition=models.Q(next_step_due__isnull=False, assignee__isnull=False, status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["sla_due_at", "id"],
                name="ticket_open_deadline",
                condition=models.Q(sla_due_at__isnull=False, status__in=OPEN_STATUSES),
            ),
            # "Breaching soon" is every open ticket whose `sla_soon_at` has passed: one range scan of this index.
            models.Index(
                fields=["sla_soon_at"],
                name="ticket_open_soon",
                condition=models.Q(sla_soon_at__isnull=False, status__in=OPEN_STATUSES),
            ),
            # Which of a batch of tickets are P1s (the SLA sweep pages whoever is on call for those): answered from
            # this small index alone, without visiting the rows of the others.
            models.Index(fields=["id"], name="ticket_urgent", condition=models.Q(priority=1)),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def next_step_overdue(self) -> bool:
        """Whether the open ticket's next step was expected before today: its owner owes a new one."""
        return self.is_open and self.next_step_due is not None and self.next_step_due < timezone.localdate(now())

    @classmethod
    def tenancy_followed_q(cls, user: "User") -> models.Q:
        """Tickets the user follows as a watcher (see `picocore.tenancy.scope`)."""
        return models.Q(pk__in=TicketWatcher.objects.filter(user=user).values("ticket_id"))


class QueueTally(models.Model):
    """How many tickets of an organisation are in a status with a team and an assignee (either may be none), for
    the desk's queue counts. Rows are signed deltas that database triggers on `Ticket` add in the same
    transaction as every change, whoever writes it (services, admin, bulk updates, COPY); a key's count is the
    sum of its rows, folded into one row by `picocore.tickets.tallies.tallies_compact`. Never written by code."""

    organisation = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    team = models.ForeignKey(
        "tenancy.Team", null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    status = models.CharField(max_length=30)
    n = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.team_id}/{self.assignee_id}/{self.status}: {self.n:+d}"


class RequesterTally(models.Model):
    """How many tickets of an organisation a person requested are in each status, for the portal's counts;
    maintained like `QueueTally`."""

    tenancy_owner_field = "requester"

    organisation = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    status = models.CharField(max_length=30)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["organisation", "requester"], name="requestertally_org")]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.requester_id}/{self.status}: {self.n:+d}"


class TicketWatcher(models.Model):
    """A customer contact who follows a ticket they did not file (e.g. the requester of a merged duplicate)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="watchers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watched_tickets")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("since"), default=now)

    class Meta:
        verbose_name = _("watcher")
        verbose_name_plural = _("watchers")
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="watcher_unique")]

    def __str__(self) -> str:
        return f"{self.user} watches {self.ticket_id}"


class TicketLink(models.Model):
    """A typed link between two tickets of one organisation: `source` <kind> `target`."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=20, choices=LinkKind.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=now)

    class Meta:
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="ticketlink_unique"),
            models.CheckConstraint(condition=~models.Q(source=models.F("target")), name="ticketlink_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class AppendOnlyQuerySet(models.QuerySet["TicketEvent"]):
    """Refuses bulk updates and deletes: timeline rows are written once and never changed."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError("Timeline events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Timeline events are append-only.")


class TicketEvent(models.Model):
    """One entry of a ticket's timeline. Append-only; `public` events are what the customer sees."""

    tenancy_owner_field = "ticket__requester"
    tenancy_shared_field = "ticket__shared"

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    public = models.BooleanField(_("visible to the customer"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True, help_text=_("e.g. {field, before, after}"))
    created_at = models.DateTimeField(_("when"), default=now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_time")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("Timeline events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Timeline events are append-only.")

    @cached_property
    def entry(self) -> Entry:
        """The typed entry this row stores (`picocore.tickets.timeline`); old rows read with defaults."""
        return entry_of(self.kind, self.data)

    @classmethod
    def tenancy_followed_q(cls, user: "User") -> models.Q:
        return models.Q(ticket_id__in=TicketWatcher.objects.filter(user=user).values("ticket_id"))


def attachment_path(instance: "Attachment", filename: str) -> str:
    # A random directory per file: names never collide and cannot be guessed; the original name is a column.
    return f"attachments/{instance.organisation_id}/{uuid.uuid4().hex}/{filename}"


class Attachment(models.Model):
    """A file added to a ticket, stored through Django's storage API, downloadable only via the ticket."""

    tenancy_owner_field = "ticket__requester"
    tenancy_shared_field = "ticket__shared"

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="attachments")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(TicketEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    public = models.BooleanField(_("visible to the customer"), default=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("added"), default=now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename

    @classmethod
    def tenancy_followed_q(cls, user: "User") -> models.Q:
        return models.Q(ticket_id__in=TicketWatcher.objects.filter(user=user).values("ticket_id"))


class Submission(models.Model):
    """One form posted by one person, named by the token the form carried: the unique constraint makes a form
    posted twice (or by two parallel requests) create one ticket or one reply; the repeat gets the first's."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(_("token"), max_length=64)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(TicketEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("submitted"), default=now)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        constraints = [models.UniqueConstraint(fields=["actor", "token"], name="submission_once")]

    def __str__(self) -> str:
        return f"{self.actor_id}: {self.token}"


class SavedView(TimeStampedModel):
    """A desk queue with its filters and sort, named and saved by a member of staff for themselves or shared
    with one of their operations teams. It holds only what was chosen: its tickets are always read through
    the viewer's own desk scope (`picocore.tickets.queues`), so a shared view never shows a member tickets of
    an organisation they do not serve. Filter ids are plain numbers, not foreign keys: a deleted customer or
    solution leaves a view that matches nothing, never one that silently widens to everything."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views", verbose_name=_("owner")
    )
    team = models.ForeignKey(
        "tenancy.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("shared with"),
        help_text=_("Empty: only its owner sees it."),
    )
    name = models.CharField(_("name"), max_length=80)
    queue = models.CharField(_("queue"), max_length=20)
    sort = models.CharField(_("sort"), max_length=20)
    filter_text = models.CharField(_("title or key"), max_length=200, blank=True)
    filter_organisation = models.PositiveBigIntegerField(_("customer (id)"), null=True, blank=True)
    filter_type = models.CharField(_("type"), max_length=30, blank=True)
    filter_priority = models.PositiveSmallIntegerField(_("priority"), null=True, blank=True)
    filter_status = models.CharField(_("status"), max_length=30, blank=True)
    filter_solution = models.PositiveBigIntegerField(_("solution (id)"), null=True, blank=True)
    filter_assignee = models.PositiveBigIntegerField(_("assignee (id)"), null=True, blank=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="savedview_name_per_owner")]
        indexes = [models.Index(fields=["team", "name"], name="savedview_team")]

    def __str__(self) -> str:
        return self.name


class CannedReply(TimeStampedModel):
    """A reply or note template the desk fills into the composer, with placeholders (`picocore.tickets.canned`)
    and optionally a status and next step applied with it. Personal (an `owner`), shared with one operations
    team (`team`), or with everyone on the desk (neither): never both, a check constraint holds it. Personal
    ones are their owner's to manage, shared ones a service manager's (`picocore.tickets.permissions`)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_replies",
        verbose_name=_("owner"),
        help_text=_("Set: a personal reply only its owner sees and uses."),
    )
    team = models.ForeignKey(
        "tenancy.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_replies",
        verbose_name=_("shared with team"),
        help_text=_("Empty on a shared reply: everyone on the desk uses it."),
    )
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("writes"), max_length=10, choices=CannedReplyKind.choices, default=CannedReplyKind.REPLY)
    body = models.TextField(_("text"))
    status = models.CharField(_("then set status"), max_length=30, choices=Status.choices, blank=True)
    next_step = models.CharField(_("then set next step"), max_length=300, blank=True)
    next_step_due_days = models.PositiveSmallIntegerField(_("next step expected in (days)"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner__isnull=True) | models.Q(team__isnull=True), name="cannedreply_one_scope"
            ),
            models.UniqueConstraint(
                fields=["owner", "name"], condition=models.Q(owner__isnull=False), name="cannedreply_name_personal"
            ),
            models.UniqueConstraint(
                fields=["team", "name"], condition=models.Q(team__isnull=False), name="cannedreply_name_team"
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(owner__isnull=True, team__isnull=True),
                name="cannedreply_name_everyone",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def personal(self) -> bool:
        return self.owner_id is not None


class TicketImpact(models.Model):
    """A component a person confirmed a ticket affects (`cmdb.Component`). Suggested impact is never written here
    by itself: only a person's confirmation does."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+", editable=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="impacts")
    component = models.ForeignKey("cmdb.Component", on_delete=models.CASCADE, related_name="ticket_impacts")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed"), default=now)

    class Meta:
        verbose_name = _("affected component")
        verbose_name_plural = _("affected components")
        constraints = [models.UniqueConstraint(fields=["ticket", "component"], name="ticket_impact_unique")]
        indexes = [models.Index(fields=["component", "ticket"], name="ticket_impact_component")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.component_id}"
