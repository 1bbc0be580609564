"""What a personal-data export holds, and the writing of its zip.

The zip holds one JSON file per kind of data (`profile.json`, `requests.json`, `timeline.json`, …) and the
files the person attached, under `attachments/`. Each kind is read with one query per 500 rows and written
row by row, and each file is copied from storage in chunks, so neither the rows nor the files are ever held in
memory at once. Only the person's own rows go in: their requests, the timeline entries they wrote (text, not
the details of others' changes), their attachments, ratings, time entries, decisions, notifications and
subscriptions — of the export's organisation only, when it has one.
"""

import io
import json
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, QuerySet

from picocore.changes.models import CabVote, CustomerDecision
from picocore.hours.models import TimeEntry
from picocore.notifications.models import Notification, NotificationPreference
from picocore.privacy.models import PersonalDataExport
from picocore.satisfaction.models import Rating
from picocore.tenancy.models import Membership, User
from picocore.tickets.models import Attachment, Ticket, TicketEvent, TicketWatcher

CHUNK = 500


@dataclass(frozen=True)
class Section:
    """One JSON file of the export: the rows of `rows(export)`, each written as `describe(row)`."""

    name: str
    rows: Callable[[PersonalDataExport], QuerySet[Any]]
    describe: Callable[[Any], dict[str, Any]]


def _rows_of(
    model: type[Model], person: str, *related: str, scope: str | None = "organisation"
) -> Callable[[PersonalDataExport], QuerySet[Any]]:
    """The export's rows of `model`: those whose `person` lookup is the export's person, with `related` joined
    (their descriptions read them) and, when the export has an organisation, of that organisation only, reached
    through `scope` (None: the rows belong to no organisation and go in whole)."""

    def rows(export: PersonalDataExport) -> QuerySet[Any]:
        queryset = model._default_manager.filter(**{person: export.subject_id})
        if related:  # select_related() without names would follow every relation
            queryset = queryset.select_related(*related)
        if scope is not None and export.organisation_id is not None:
            queryset = queryset.filter(**{f"{scope}_id": export.organisation_id})
        return queryset.order_by("pk")

    return rows


attachments_of = _rows_of(Attachment, "uploaded_by_id", "ticket")


def _describe_profile(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "full_name": user.full_name,
        "email": user.email,
        "language": user.language,
        "staff_role": user.staff_role,
        "active": user.is_active,
        "joined": user.date_joined,
        "last_sign_in": user.last_login,
    }


def _describe_request(ticket: Ticket) -> dict[str, Any]:
    return {
        "key": ticket.key,
        "organisation": ticket.organisation.name,
        "type": ticket.ticket_type,
        "title": ticket.title,
        "description": ticket.description,
        "answers": ticket.answers,
        "impact": ticket.impact,
        "urgency": ticket.urgency,
        "priority": ticket.priority,
        "status": ticket.status,
        "channel": ticket.channel,
        "created": ticket.created_at,
        "resolved": ticket.resolved_at,
        "closed": ticket.closed_at,
    }


def _describe_event(event: TicketEvent) -> dict[str, Any]:
    return {"ticket": event.ticket.key, "kind": event.kind, "public": event.public, "text": event.body,
            "at": event.created_at}  # fmt: skip


def attachment_name(attachment: Attachment) -> str:
    """The file's path in the zip: unique by the attachment's id, the original name after it."""
    safe = "".join(c if c.isalnum() or c in "._- " else "_" for c in attachment.filename)[:150] or "file"
    return f"attachments/{attachment.pk}-{safe}"


def _describe_attachment(attachment: Attachment) -> dict[str, Any]:
    return {"ticket": attachment.ticket.key, "filename": attachment.filename, "content_type": attachment.content_type,
            "size": attachment.size, "added": attachment.created_at, "file": attachment_name(attachment)}  # fmt: skip


def _describe_rating(rating: Rating) -> dict[str, Any]:
    return {"ticket": rating.ticket.key, "score": rating.score, "scale": rating.scale, "comment": rating.comment,
            "rated": rating.created_at}  # fmt: skip


def _describe_time_entry(entry: TimeEntry) -> dict[str, Any]:
    return {"ticket": entry.ticket.key if entry.ticket else None, "work_date": entry.work_date,
            "minutes": entry.minutes, "billable": entry.billable, "description": entry.description}  # fmt: skip


def _describe_decision(decision: CustomerDecision) -> dict[str, Any]:
    return {"change": decision.change.key, "title": decision.change.title, "round": decision.round,
            "decision": decision.decision, "reason": decision.reason, "channel": decision.channel,
            "at": decision.decided_at}  # fmt: skip


def _describe_vote(vote: CabVote) -> dict[str, Any]:
    return {"change": vote.change.key, "title": vote.change.title, "round": vote.round, "decision": vote.decision,
            "reason": vote.reason, "at": vote.decided_at}  # fmt: skip


def _describe_notification(notification: Notification) -> dict[str, Any]:
    return {"kind": notification.kind, "title": notification.title, "text": notification.body,
            "created": notification.created_at, "read": notification.read_at}  # fmt: skip


SECTIONS: tuple[Section, ...] = (
    Section("profile", _rows_of(User, "pk", scope=None), _describe_profile),
    Section(
        "memberships",
        _rows_of(Membership, "user_id", "organisation"),
        lambda m: {"organisation": m.organisation.name, "role": m.role, "since": m.created_at},
    ),
    Section("requests", _rows_of(Ticket, "requester_id", "organisation"), _describe_request),
    Section("timeline", _rows_of(TicketEvent, "actor_id", "ticket"), _describe_event),
    Section("attachments", attachments_of, _describe_attachment),
    Section("ratings", _rows_of(Rating, "requester_id", "ticket"), _describe_rating),
    Section("time_entries", _rows_of(TimeEntry, "author_id", "ticket"), _describe_time_entry),
    Section("change_decisions", _rows_of(CustomerDecision, "user_id", "change"), _describe_decision),
    Section("cab_votes", _rows_of(CabVote, "voter_id", "change", scope="change__organisation"), _describe_vote),
    Section("notifications", _rows_of(Notification, "user_id", scope="ticket__organisation"), _describe_notification),
    Section(
        "watched_requests",
        _rows_of(TicketWatcher, "user_id", "ticket"),
        lambda w: {"ticket": w.ticket.key, "since": w.created_at},
    ),
    Section(
        "notification_preferences",
        _rows_of(NotificationPreference, "user_id", scope=None),
        lambda p: {"kind": p.kind, "channel": p.channel},
    ),
)


def items_to_write(export: PersonalDataExport) -> int:
    """How many rows and files the export writes: its progress counts towards this."""
    return sum(section.rows(export).count() for section in SECTIONS) + attachments_of(export).count()


def _rows(queryset: QuerySet[Model]) -> Iterator[Model]:
    return queryset.iterator(chunk_size=CHUNK)


def write_zip(export: PersonalDataExport, target: IO[bytes], *, progress: Callable[[int], None]) -> None:
    """Write the export's zip into `target`, calling `progress(n)` after each `n` items written."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for section in SECTIONS:
            with archive.open(f"{section.name}.json", "w") as raw, io.TextIOWrapper(raw, encoding="utf-8") as out:
                out.write("[")
                for i, row in enumerate(_rows(section.rows(export))):
                    out.write(",\n" if i else "\n")
                    out.write(json.dumps(section.describe(row), cls=DjangoJSONEncoder, ensure_ascii=False))
                    progress(1)
                out.write("\n]\n")
        for attachment in _rows(attachments_of(export)):
            assert isinstance(attachment, Attachment)
            with attachment.file.open("rb") as source, archive.open(attachment_name(attachment), "w") as dest:
                shutil.copyfileobj(source, dest, 64 * 1024)
            progress(1)
