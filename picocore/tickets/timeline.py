"""The timeline, typed: one small frozen class per kind of entry.

Each class says what the entry holds (its fields), whether the customer sees it (`public`), whether it can move
an SLA deadline, who hears of it (`notices`) and how it reads (`template`, a partial under
`tickets/events/`, shared by the desk and the portal; `label` for staff, `verb` for the customer).

Entries are stored as a `TicketEvent` row: `kind` plus the `data` JSON this module writes (`to_data`) and
reads back (`entry_of`). Reading is tolerant: an old row missing a key gets the field's default, a value of
the wrong type is read as missing — never a KeyError. This is the only module that reads `data` by key.

A new kind is one class here (registered with `@entry`) and one partial.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Self

from django.utils.functional import Promise, lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from picocore.tickets.choices import EventKind


class Who(StrEnum):
    """Whom a notice goes to; `picocore.notifications.dispatch` turns each into people."""

    CUSTOMERS = "customers"  # the requester and the ticket's watchers
    REQUESTER = "requester"  # the requester alone, also when they did it themselves (a receipt)
    TEAM = "team"  # the assignee, else the owning team's consultants and service managers
    DEVELOPERS = "developers"  # the members of the development team holding the item


@dataclass(frozen=True)
class Notice:
    """One notification an entry calls for: to whom, of which notification kind, titled how (`%(title)s` is
    the ticket's title)."""

    who: Who
    kind: str
    title: Promise | str


class Fields:
    """Tolerant reads of a stored `data` dict: a missing key or a value of the wrong type gives the default."""

    def __init__(self, data: object) -> None:
        self._data: Mapping[str, Any] = data if isinstance(data, Mapping) else {}

    def text(self, key: str, default: str = "") -> str:
        value = self._data.get(key)
        return value if isinstance(value, str) else default

    def integer(self, key: str) -> int | None:
        value = self._data.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def flag(self, key: str) -> bool:
        return self._data.get(key) is True

    def moment(self, key: str) -> dt.datetime | None:
        try:
            value = dt.datetime.fromisoformat(self.text(key))
        except ValueError:
            return None
        return value if value.tzinfo is not None else None

    def day(self, key: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(self.text(key))
        except ValueError:
            return None

    def nested(self, key: str) -> "Fields":
        return Fields(self._data.get(key))

    def has(self, key: str) -> bool:
        return key in self._data


@dataclass(frozen=True)
class Entry:
    """What every kind of entry answers. Subclasses are frozen dataclasses registered with `@entry`."""

    kind: ClassVar[str]
    # For kinds stored under one `kind` and told apart by `data["field"]` (field changes).
    field: ClassVar[str] = ""
    name: ClassVar[str]  # the partial's name: tickets/events/<name>.html
    public: ClassVar[bool] = True
    # Whether entries of this kind can ever move a deadline (which rows the SLA engine reads).
    may_move_deadline: ClassVar[bool] = False
    label: ClassVar[Promise | str]
    verb: ClassVar[Promise | str]

    @property
    def template(self) -> str:
        return f"tickets/events/{self.name}.html"

    @classmethod
    def from_data(cls, data: Fields) -> Self:
        return cls()

    def to_data(self) -> dict[str, object]:
        return {}

    def moves_deadline(self, *, by_staff: bool) -> bool:
        """Whether this entry, written now, can change a clock."""
        return self.may_move_deadline

    def notices(self, *, by_staff: bool) -> tuple[Notice, ...]:
        """Who hears of this entry (nobody by default). `by_staff`: written by the service team or the system."""
        return ()

    @property
    def by_email(self) -> bool:
        return False


REGISTRY: dict[tuple[str, str], type[Entry]] = {}


def entry[E: type[Entry]](cls: E) -> E:
    """Register an entry class under its kind (and field)."""
    key = (cls.kind, cls.field)
    assert key not in REGISTRY, f"two entry classes for {key}"
    REGISTRY[key] = cls
    return cls


def entry_of(kind: str, data: object) -> Entry:
    """The typed entry of a stored row; an unknown field change reads as a generic one, an unknown kind as an
    `Unknown` entry (shown to staff only)."""
    fields = Fields(data)
    cls = REGISTRY.get((kind, fields.text("field"))) or REGISTRY.get((kind, ""))
    if cls is None:
        return Unknown(stored_kind=kind)
    return cls.from_data(fields)


@dataclass(frozen=True)
class ByChannel(Entry):
    """An entry that may have come in by e-mail: the channel and the inbound message it came from."""

    channel: str = ""
    inbound: int | None = None

    @property
    def by_email(self) -> bool:
        return self.channel == "email"

    def _origin(self) -> dict[str, object]:
        data: dict[str, object] = {}
        if self.channel:
            data["channel"] = self.channel
        if self.inbound is not None:
            data["inbound"] = self.inbound
        return data


@entry
@dataclass(frozen=True)
class Created(ByChannel):
    kind = EventKind.CREATED
    name = "created"
    may_move_deadline = True
    label = _("Created")
    verb = _("submitted the request")

    priority: int | None = None
    priority_reason: str = ""

    @classmethod
    def from_data(cls, data: Fields) -> Self:
        return cls(
            channel=data.text("channel"),
            inbound=data.integer("inbound"),
            priority=data.integer("priority"),
            priority_reason=data.text("priority_reason"),
        )

    def to_data(self) -> dict[str, object]:
        return {**self._origin(), "priority": self.priority, "priority_reason": self.priority_reason}

    def notices(self, *, by_staff: bool) -> tuple[Notice, ...]:
        return (
            Notice(Who.TEAM, "new_ticket", _("New request: %(title)s")),
            Notice(Who.REQUESTER, "received", _("We have received your request: %(title)s")),
        )


@entry
@dataclass(frozen=True)
class PublicReply(ByChannel):
    kind = EventKind.PUBLIC_REPLY
    name = "public_reply"
    may_move_deadline = True
    label = _("Reply")
    verb = _("replied")

    @classmethod
    def from_data(cls, data: Fields) -> Self:
        return cls(channel=data.text("channel"), inbound=data.integer("inbound"))

    def to_data(self) -> dict[str, object]:
        return self._origin()

    def moves_deadline(self, *, by_staff: bool) -> bool:
        # A customer's reply hands the ticket back through the status change recorded with it.
        return by_staff

    def notices(self, *, by_staff: bool) -> tuple[Notice, ...]:
        if by_staff:
            return (Notice(Who.CUSTOMERS, "reply", _("Re: %(title)s")),)
        return (Notice(Who.TEAM, "customer_reply", _("Customer replied: %(title)s")),)


@entry
@dataclass(frozen=True)
class AttachmentAdded(PublicReply):
    kind = EventKind.ATTACHMENT_ADDED
    name = "attachment_added"
    may_move_deadline = False
    label = _("Attachment added")
    verb = _("added a file")

    def moves_deadline(self, *, by_staff: bool) -> bool:
        return False


@entry
@dataclass(frozen=True)
class InternalNote(Entry):
    kind = EventKind.INTERNAL_NOTE
    name = "internal_note"
    public = False
    label = _("Internal note")
    verb = _("wrote an internal note")


@entry
@dataclass(frozen=True)
class StatusChanged(Entry):
    kind = EventKind.STATUS_CHANGED
    field = ""  # stored with field "status"; the kind alone says it
    name = "status_changed"
    may_move_deadline = True
    label = _("Status changed")
    verb = _("changed the status")

    before: str = ""
    after: str = ""
    automatic: bool = False
    merged_into: str = ""

    @classmethod
    def from_data(cls, data: Fields) -> Self:
        return cls(
            before=data.text("before"),
            after=data.text("after"),
            automatic=data.flag("automatic"),
            merged_into=data.text("merged_into"),
        )

    def to_data(self) -> dict[str, object]:
        data: dict[str, object] = {"field": "status", "before": self.before, "after": self.after}
        if self.automatic:
            data["automatic"] = True
        if self.merged_into:
            data["merged_into"] = self.merged_into
        return data

    def notices(self, *, by_staff: bool) -> tuple[Notice, ...]:
        from picocore.tickets.choices import Audience, Status, status_label

        # Lazy: each recipient reads the status in their own language.
        lazy_status = lazy(status_label, str)
        if not by_staff:
            status = lazy_status(self.after, Audience.STAFF)
            return (Notice(Who.TEAM, "status", format_lazy("{}: %(title)s", status)),)
        if self.after == Status.RESOLVED:
            return (Notice(Who.CUSTOMERS, "resolved", _("Resolved: %(title)s")),)
        status = lazy_status(self.after, Audience.CUSTOMER)
        return (Notice(Who.CUSTOMERS, "status", format_lazy("{}: %(title)s", status)),)


@entry
@dataclass(frozen=True)
class FieldChanged(Entry):
    """A change of a field no more specific class knows (kept for rows of fields since retired)."""

    kind = EventKind.FIELD_CHANGED
    name = "field_changed"
    label = _("Field changed")
    verb = _("updated the request")

    changed: str = ""
    before: str = ""
    after: str = ""

    @classmethod
    def from_data(cls, data: Fields) -> Self:
        return cls(changed=data.text("field"), before=data.text("before"), after=data.text("after"))

    def to_data(self) -> dict[str, object]:
        return {"field": self.changed, "before": self.before, "after": self.after}


@entry
@dataclass(frozen=True)
class SharingChanged(Entry):
    """The request was shared with its organisation, or no longer (`picocore.tickets.services.ticket_share`)."""

    kind = EventKind.FIELD_CHANGED
    field = "shared"
    name = "sharing_changed"
    label = _("Sharing changed")
    verb = _("changed who sees the request")

    shared: bool = False

    @classmethod
    def from_data(cls, data: Fields) -> Self:
        return cls(shared=data.flag("after"))

    def to_data(self) -> dict[str, object]:
        return {"field": "shared", "before": not self.shared, "after": self.shared}


@entry
@dataclass(frozen=True)
class OwnerChanged(Entry):
    kind = EventKind.FIELD_CHANGED
    field = "owner"
    name = "owner_changed"
    label = _("Owner changed")
    verb = _("updated the request")

    before_team: int | None = None
    before_assignee: int | None = None
    after_team: int | None = None
    after_assignee: int | None = None
    before_label: str = ""
    after_label: str = ""

    @classmethod
    def from_data(cls, data: Fields) -> Self:
        before, after = data.nested("before"), data.nested("after")
        return cls(
            before_team=before.integer("team"),
            before_assignee=before.integer("assignee"),
            after_team=after.integer("team"),
            after_assignee=after.integer("assignee"),
            before_label=data.text("before_label"),
            after_label=data.text("after_label"),
        )

    def to_data(self) -> dict[str, object]:
        return {
            "field": "owner",
            "before": {"team": self.before_team, "assignee": self.before_assignee},
            "after": {"team": self.after_team, "assignee": self.after_assignee},
            "before_label": self.before_label,
            "after_label": self.after_label,
        }


@entry
@dataclass(frozen=True)
class NextStepChanged(Entry):
    kind = EventKind.FIELD_CHANGED
    field = "next_step"
    name = "next_step_changed"
    label = _("Next step changed")
    verb = _("updated the request")

    before_text: str = ""
    before_due: dt.date | None = None
    after_text: str = ""
    after_due: dt.date | None = None
    # Set when a status change replaced the next step: that change's own notice tells the customer.
    with_status: bool = False

    @classmethod
    def from_data(cls, data: Fields) -> Self:
        before, after = data.nested("before"), data.nested("after")
        return cls(
            before_text=before.text("next_step"),
            before_due=before.day("next_step_due"),
            after_text=after.text("next_step"),
            after_due=after.day("next_step_due"),
            with_status=data.flag("with_status"),
        )

    def to_data(self) -> dict[str, object]:
        def step(text: str, due: dt.date | None) -> dict[str, object]:
            return {"next_step": text, "next_step_due": due.isoformat() if due else None}

        data: dict[str, object] = {
            "field": "next_step",
            "before": step(self.before_text, self.before_due),
            "after": step(self.after_text, self.after_due),
        }
        if self.with_status:
            data["with_status"] = True
        return data

    def notices(self, *, by_staff: bool) -> tuple[Notice, ...]:
        if self.after_text and not self.with_status:
            return (Notice(Who.CUSTOMERS, "next_step", _("Next step: %(title)s")),)
        return ()


@entry
@dataclass(frozen=True)
class PriorityChanged(Entry):
    """A consultant overrode the priority; the reason is the event's text, shown to the customer."""

    kind = EventKind.FIELD_CHANGED
    field = "priority"
    name = "priority_changed"
    may_move_deadline = True
    label = _("Priority changed")
    verb = _("updated the request")

    before: int | None = None
    after: int | None = None

    @classmethod
    def from_data(cls, data: Fields) -> Self:
        return cls(before=data.integer("before"), after=data.integer("after"))

    def to_data(self) -> dict[str, object]:
        return {"field": "priority", "before": self.before, "after": self.after}

    def notices(self, *, by_staff: bool) -> tuple[Notice, ...]:
        return (Notice(Who.CUSTOMERS, "priority", f"P{self.before} → P{self.after}: %(title)s"),)


@entry
@dataclass(frozen=True)
class Linked(Entry):
    kind = EventKind.LINKED
    name = "linked"
    public = False
    label = _("Linked")
    verb = _("linked another ticket")

    link: str = ""
    direction: str = ""
    other: str = ""

    @classmethod
    def from_data(cls, data: Fields) -> Self:
        return cls(link=data.text("link"), direction=data.text("direction"), other=data.text("other"))

    def to_data(self) -> dict[str, object]:
        return {"link": self.link, "direction": self.direction, "other": self.other}


@entry
@dataclass(frozen=True)
class Merged(Entry):
    """A duplicate merged into this ticket. Its requester is kept by id only: they may be a colleague whose
    requests this ticket's requester may not see."""

    kind = EventKind.MERGED
    name = "merged"
    label = _("Merged")
    verb = _("merged a duplicate into this request")

    merged: str = ""
    requester: int | None = None

    @classmethod
    def from_data(cls, data: Fields) -> Self:
        return cls(merged=data.text("merged"), requester=data.integer("requester"))

    def to_data(self) -> dict[str, object]:
        return {"merged": self.merged, "requester": self.requester}


@entry
@dataclass(frozen=True)
class DevelopmentMilestone(Entry):
    """Development work reached a milestone; `before` is empty when the work was just handed over."""

    kind = EventKind.DEVELOPMENT
    name = "development"
    label = _("Development milestone")
    verb = _("updated the development work")

    item: int | None = None
    team: str = ""
    before: str = ""
    after: str = ""

    @classmethod
    def from_data(cls, data: Fields) -> Self:
        return cls(
            item=data.integer("item"), team=data.text("team"), before=data.text("before"), after=data.text("after")
        )

    def to_data(self) -> dict[str, object]:
        return {"item": self.item, "team": self.team, "before": self.before or None, "after": self.after}

    @property
    def handed_over(self) -> bool:
        return not self.before

    @property
    def milestone_label(self) -> str:
        from picocore.development.choices import Milestone

        return str(Milestone(self.after).label) if self.after in Milestone.values else self.after

    def notices(self, *, by_staff: bool) -> tuple[Notice, ...]:
        # Lazy: each recipient reads the milestone in their own language.
        label = lazy(lambda: self.milestone_label, str)()
        customers = Notice(Who.CUSTOMERS, "development", format_lazy("{}: %(title)s", label))
        if self.handed_over:
            handed = format_lazy(_("Handed to {team}: %(title)s"), team=self.team)
            return (Notice(Who.DEVELOPERS, "hand_off", handed), customers)
        return (customers,)


@entry
@dataclass(frozen=True)
class ImpactChanged(Entry):
    """A person confirmed (or withdrew) that the ticket affects a component of the landscape: internal. The
    component is kept by id and by its name at the time (the component may be renamed or removed later)."""

    kind = EventKind.FIELD_CHANGED
    field = "impact"
    name = "impact_changed"
    public = False
    label = _("Affected component")
    verb = _("updated the request")

    component: int | None = None
    component_name: str = ""
    confirmed: bool = True
    # The path of integrations that suggested it, as the person saw it ("" when chosen directly).
    reason: str = ""

    @classmethod
    def from_data(cls, data: Fields) -> Self:
        return cls(
            component=data.integer("component"),
            component_name=data.text("component_name"),
            confirmed=not data.flag("removed"),
            reason=data.text("reason"),
        )

    def to_data(self) -> dict[str, object]:
        data: dict[str, object] = {
            "field": "impact",
            "component": self.component,
            "component_name": self.component_name,
        }
        if not self.confirmed:
            data["removed"] = True
        if self.reason:
            data["reason"] = self.reason
        return data


@entry
@dataclass(frozen=True)
class ComponentChanged(Entry):
    """The team set (or cleared) the landscape component the ticket is about: internal. Kept by id and by the
    names at the time, like `ImpactChanged`."""

    kind = EventKind.FIELD_CHANGED
    field = "component"
    name = "component_changed"
    public = False
    label = _("Component")
    verb = _("updated the request")

    component: int | None = None
    component_name: str = ""
    previous_name: str = ""

    @classmethod
    def from_data(cls, data: Fields) -> Self:
        return cls(
            component=data.integer("component"),
            component_name=data.text("component_name"),
            previous_name=data.text("previous_name"),
        )

    def to_data(self) -> dict[str, object]:
        return {
            "field": "component",
            "component": self.component,
            "component_name": self.component_name,
            "previous_name": self.previous_name,
        }


@dataclass(frozen=True)
class SlaRecord(Entry):
    """An SLA warning or breach: internal, and never moving a deadline (the sweep notifies on its own keys)."""

    public = False
    metric: str = ""
    due_at: dt.datetime | None = None

    @classmethod
    def from_data(cls, data: Fields) -> Self:
        return cls(metric=data.text("metric"), due_at=data.moment("due_at"))

    def to_data(self) -> dict[str, object]:
        return {"metric": self.metric, "due_at": _utc(self.due_at)}


def _utc(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat() if moment is not None else None


@entry
@dataclass(frozen=True)
class SlaWarning(SlaRecord):
    kind = EventKind.SLA_WARNING
    name = "sla_warning"
    label = _("SLA warning")
    verb = _("SLA warning")


@entry
@dataclass(frozen=True)
class SlaBreach(SlaRecord):
    kind = EventKind.SLA_BREACH
    name = "sla_breach"
    label = _("SLA breached")
    verb = _("SLA breached")

    breached_at: dt.datetime | None = None

    @classmethod
    def from_data(cls, data: Fields) -> Self:
        return cls(metric=data.text("metric"), due_at=data.moment("due_at"), breached_at=data.moment("breached_at"))

    def to_data(self) -> dict[str, object]:
        return {**super().to_data(), "breached_at": _utc(self.breached_at)}

    @property
    def missed_at(self) -> dt.datetime | None:
        return self.breached_at or self.due_at


@dataclass(frozen=True)
class Unknown(Entry):
    """A stored kind no class knows (never written; read so an odd row cannot break a page)."""

    kind = ""
    name = "unknown"
    public = False
    label = _("Event")
    verb = _("updated the request")

    stored_kind: str = ""


def entry_classes() -> list[type[Entry]]:
    """Every registered kind of entry, in registration order."""
    return list(REGISTRY.values())


def deadline_kinds() -> frozenset[str]:
    """The stored kinds whose rows can move a deadline (what the SLA engine reads)."""
    return frozenset(cls.kind for cls in REGISTRY.values() if cls.may_move_deadline)
