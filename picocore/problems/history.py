"""A problem's history, typed: one small frozen class per kind of entry, with its fields and how it reads.

Entries are stored as `ProblemEvent` rows: `kind` plus the `data` this module writes (`to_data`) and reads back
(`entry_of`, tolerant of missing keys and wrong types). This is the only module that reads `data` by key. The
history is for the service team only: customers never see problems.
"""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, Self

from django.utils.translation import gettext as _

from picocore.problems.choices import ProblemEventKind as K
from picocore.problems.choices import ProblemStatus

_KINDS: dict[str, type["Entry"]] = {}


def _label(status: str) -> str:
    try:
        return str(ProblemStatus(status).label)
    except ValueError:
        return status


@dataclass(frozen=True)
class Entry(ABC):
    kind: ClassVar[str]

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        """The entry of stored `data`: a missing key or a value of the wrong type gives the field's default."""
        values: dict[str, Any] = {}
        for item in fields(cls):
            value = data.get(item.name)
            if item.type is str:
                values[item.name] = value if isinstance(value, str) else ""
            elif item.type is bool:
                values[item.name] = value is True
            else:  # a tuple of texts
                items = value if isinstance(value, list | tuple) else ()
                values[item.name] = tuple(v for v in items if isinstance(v, str))
        return cls(**values)

    @abstractmethod
    def text(self) -> str:
        """How the entry reads on the problem's page (after the actor's name and the time)."""


def entry[E: type[Entry]](cls: E) -> E:
    _KINDS[cls.kind] = cls
    return cls


@entry
@dataclass(frozen=True)
class Created(Entry):
    kind = K.CREATED
    proposal: str = ""  # the proposal it was accepted from, if any

    def text(self) -> str:
        return _("Logged the problem from a proposal.") if self.proposal else _("Logged the problem.")


@entry
@dataclass(frozen=True)
class Edited(Entry):
    kind = K.EDITED
    fields: tuple[str, ...] = ()

    def text(self) -> str:
        return _("Edited: %(fields)s.") % {"fields": ", ".join(self.fields)}


@entry
@dataclass(frozen=True)
class StatusChanged(Entry):
    kind = K.STATUS
    before: str = ""
    after: str = ""
    reason: str = ""
    automatic: bool = False

    def text(self) -> str:
        values = {"before": _label(self.before), "after": _label(self.after)}
        if self.automatic:
            return _("Status: %(before)s → %(after)s (a workaround was recorded).") % values
        return _("Status: %(before)s → %(after)s.") % values


@entry
@dataclass(frozen=True)
class IncidentLinked(Entry):
    kind = K.INCIDENT_LINKED
    ticket: str = ""

    def text(self) -> str:
        return _("Linked incident %(key)s.") % {"key": self.ticket}


@entry
@dataclass(frozen=True)
class IncidentUnlinked(Entry):
    kind = K.INCIDENT_UNLINKED
    ticket: str = ""

    def text(self) -> str:
        return _("Unlinked incident %(key)s.") % {"key": self.ticket}


@entry
@dataclass(frozen=True)
class ComponentsChanged(Entry):
    kind = K.COMPONENTS
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def text(self) -> str:
        parts = []
        if self.added:
            parts.append(_("added %(names)s") % {"names": ", ".join(self.added)})
        if self.removed:
            parts.append(_("removed %(names)s") % {"names": ", ".join(self.removed)})
        return _("Affected components: %(what)s.") % {"what": "; ".join(parts)}


@entry
@dataclass(frozen=True)
class WorkaroundRecorded(Entry):
    kind = K.WORKAROUND_RECORDED

    def text(self) -> str:
        return _("Recorded the workaround.")


@entry
@dataclass(frozen=True)
class WorkaroundPublished(Entry):
    kind = K.WORKAROUND_PUBLISHED
    tickets: tuple[str, ...] = ()

    def text(self) -> str:
        if not self.tickets:
            return _("Published the workaround: every linked open incident already had it.")
        return _("Published the workaround to %(keys)s.") % {"keys": ", ".join(self.tickets)}


@entry
@dataclass(frozen=True)
class KnownIssuePublished(Entry):
    kind = K.KNOWN_ISSUE
    title: str = ""

    def text(self) -> str:
        return _("Published the known issue “%(title)s” to the affected customers.") % {"title": self.title}


@entry
@dataclass(frozen=True)
class KnownIssueWithdrawn(Entry):
    kind = K.KNOWN_ISSUE_WITHDRAWN

    def text(self) -> str:
        return _("Withdrew the known issue.")


@entry
@dataclass(frozen=True)
class FixChangeLinked(Entry):
    kind = K.FIX_CHANGE
    change: str = ""

    def text(self) -> str:
        if not self.change:
            return _("Removed the fixing change.")
        return _("Linked the fixing change %(key)s.") % {"key": self.change}


@entry
@dataclass(frozen=True)
class IncidentsResolved(Entry):
    kind = K.INCIDENTS_RESOLVED
    tickets: tuple[str, ...] = ()

    def text(self) -> str:
        return _("Resolved %(keys)s, fixed by the change.") % {"keys": ", ".join(self.tickets)}


def entry_of(kind: str, data: object) -> Entry | None:
    """The typed entry of a stored row; None for a kind this version does not know."""
    cls = _KINDS.get(kind)
    if cls is None:
        return None
    return cls.from_data(data if isinstance(data, Mapping) else {})


def entry_classes() -> dict[str, type[Entry]]:
    return dict(_KINDS)
