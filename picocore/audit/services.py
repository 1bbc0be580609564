"""Snapshots of objects, the recording of what changed between two of them, and the redaction of a person's
text from the trail.

Guarantees of the trail:
- Append-only and hash-chained. Entries are numbered 1, 2, 3… (`sequence`, unique); each carries the hash of
  the one before (entry 1: `chain.GENESIS`) and its own hash over a canonical serialisation of its sequence,
  time, actor id, action, object type and id, text digest and previous hash (`chain.entry_hash`). Writers
  lock the one `AuditChainHead` row first (SELECT … FOR UPDATE on PostgreSQL; SQLite's single writer
  serialises already), so two transactions never append after the same entry and the chain never forks; a
  rolled-back transaction takes its entries and its move of the head with it, so the sequence has no holes.
- Personal data: the hash covers a digest of the entry's text (object repr and changes, where names and
  e-mail addresses appear), not the text. `audit_redact_person` rewrites a person's name and e-mail address
  in the text of every entry that shows them, marks each rewritten entry with the sequence of one new
  `redacted` entry appended to the chain, which records how many entries it rewrote. `verification` then
  checks a marked entry's text against nothing but that count and order (the text is gone by design), every
  other entry's text against its digest, and every hash and link, so an edit or a deletion outside these
  services is found, and so is a forged redaction mark (the count no longer matches).
- What it does not stop: someone able to write the database who recomputes every hash after the row they
  changed. `verify` prints the head's hash; kept elsewhere (a ticket, a log), it shows such a rewrite.
"""

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.backends.utils import format_number
from django.db.models.functions import Cast

from picocore.audit import chain
from picocore.audit.models import AuditAction, AuditChainHead, AuditEntry, StaffAccess
from picocore.audit.permissions import access_is_recorded
from picocore.core.clock import months_before, now
from picocore.tenancy.models import User

SECRET_FIELDS = frozenset({"password"})
BOOKKEEPING_FIELDS = frozenset({"updated_at"})
HIDDEN = "(hidden)"


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(instance: models.Model, *, with_m2m: bool = True) -> dict[str, Any]:
    """The object's stored field values as JSON-safe data; many-to-many fields as sorted lists of names."""
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(field, models.DecimalField) and isinstance(value, Decimal):
            # As stored: Decimal("0") from a form and Decimal("0.0") from the database are one value.
            value = format_number(value, field.max_digits, field.decimal_places)
        values[field.name] = HIDDEN if field.name in SECRET_FIELDS and value else _plain(value)
    if with_m2m and instance.pk is not None:
        for field in instance._meta.many_to_many:
            values[field.name] = sorted(str(related) for related in getattr(instance, field.name).all())
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields whose values differ, each as {"before": …, "after": …}."""
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changes[name] = {"before": old, "after": new}
    if "password" in changes:
        changes["password"] = {"before": HIDDEN, "after": "(changed)"}
    return changes


def audit_record(
    *, actor: User | None, action: str, instance: models.Model, changes: dict[str, dict[str, Any]]
) -> AuditEntry | None:
    """Append one entry to the audit trail, chained to the one before; a change that changed nothing (but the
    time of the save) records nothing. Holds the chain's head until the caller's transaction ends."""
    if action == AuditAction.CHANGED and not set(changes) - BOOKKEEPING_FIELDS:
        return None
    content_type = ContentType.objects.get_for_model(instance, for_concrete_model=False)
    with transaction.atomic():
        head = _locked_head()
        return _append(
            head,
            actor_id=actor.pk if actor and actor.is_authenticated else None,
            action=action,
            content_type=content_type,
            object_id=str(instance.pk),
            object_repr=str(instance)[:200],
            changes=changes,
        )


def _locked_head() -> AuditChainHead:
    """The chain's head row, locked for this transaction; made from the newest entry (none: the genesis) when
    missing, as in a database emptied by a test."""
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        newest = AuditEntry.objects.order_by("-sequence").first()
        AuditChainHead.objects.get_or_create(
            pk=1,
            defaults={
                "sequence": newest.sequence if newest else 0,
                "hash": newest.hash if newest else chain.GENESIS,
            },
        )
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def _append(
    head: AuditChainHead,
    *,
    actor_id: int | None,
    action: str,
    content_type: ContentType,
    object_id: str,
    object_repr: str,
    changes: dict[str, Any],
) -> AuditEntry:
    """Write the entry after the locked head and move the head to it."""
    changes = _plain(changes)  # hashed as the database will hand it back
    entry = AuditEntry(
        actor_id=actor_id,
        at=now(),
        action=action,
        content_type=content_type,
        object_id=object_id,
        object_repr=object_repr,
        changes=changes,
        sequence=head.sequence + 1,
        text_digest=chain.text_digest(object_repr, changes),
        previous_hash=head.hash,
    )
    entry.hash = chain.hash_of(entry)
    entry.save(force_insert=True)
    head.sequence, head.hash = entry.sequence, entry.hash
    head.save(update_fields=["sequence", "hash"])
    return entry


def _erased(value: Any, pattern: re.Pattern[str], replacement: str) -> Any:
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    if isinstance(value, list):
        return [_erased(item, pattern, replacement) for item in value]
    if isinstance(value, dict):
        return {key: _erased(item, pattern, replacement) for key, item in value.items()}
    return value


def audit_redact_person(
    *, actor: User | None, user_id: int, replacement: str, also: Sequence[str] = ()
) -> AuditEntry | None:
    """Rewrite the person's full name and e-mail address (and the texts in `also`, e.g. a former address) in
    the repr and changes of every entry, as whole words, case-insensitively, into `replacement`; append one
    `redacted` entry saying how many entries were rewritten. Verification passes afterwards. Call it before
    the person's own row is anonymised (it reads their name and address from it). None when nothing showed
    them. Reads the whole trail once: erasure is rare."""
    person = User.objects.get(pk=user_id)
    texts = sorted({text for text in (person.full_name, person.email, *also) if text and text.strip()}, key=len)
    if not texts:
        return None
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(text)}(?!\w)" for text in reversed(texts)), re.IGNORECASE)
    mentions = models.Q()
    for text in texts:
        for form in {text, json.dumps(text)[1:-1]}:  # SQLite keeps JSON with non-ASCII letters escaped
            mentions |= models.Q(object_repr__icontains=form) | models.Q(changes_text__icontains=form)
    with transaction.atomic():
        head = _locked_head()
        redaction = head.sequence + 1
        candidates = (
            AuditEntry.objects.annotate(changes_text=Cast("changes", models.TextField()))
            .filter(mentions)
            .only("pk", "object_repr", "changes", "redacted_in")
            .order_by("sequence")
        )
        rewritten = 0
        for entry in candidates.iterator(chunk_size=500):
            object_repr = _erased(entry.object_repr, pattern, replacement)[:200]
            changes = _erased(entry.changes, pattern, replacement)
            if (object_repr, changes) == (entry.object_repr, entry.changes):
                continue
            marked = entry.redacted_in is None
            # The trail's own update is refused (append-only): this is the one rewrite it allows.
            models.QuerySet.update(
                AuditEntry.objects.filter(pk=entry.pk),
                object_repr=object_repr,
                changes=changes,
                **({"redacted_in": redaction} if marked else {}),
            )
            rewritten += marked
        if not rewritten:
            return None
        return _append(
            head,
            actor_id=actor.pk if actor and actor.is_authenticated else None,
            action=AuditAction.REDACTED,
            content_type=ContentType.objects.get_for_model(User),
            object_id=str(user_id),
            object_repr=replacement[:200],
            changes={"entries": {"before": None, "after": rewritten}},
        )


def stored_snapshot(instance: models.Model) -> dict[str, Any]:
    """The snapshot of the object as the database holds it now ({} for one not saved yet): the "before" of a
    change, which the object in memory — already changed by its form — can no longer give."""
    if instance.pk is None:
        return {}
    stored = type(instance)._default_manager.filter(pk=instance.pk).first()
    return snapshot(stored) if stored is not None else {}


def audited_save(
    *, actor: User | None, instance: models.Model, save_m2m: Callable[[], None] | None = None
) -> AuditEntry | None:
    """Save the object as changed in memory (and its many-to-many choices), and record what changed between
    the stored row and the saved one."""
    before = stored_snapshot(instance)
    instance.save()
    if save_m2m is not None:
        save_m2m()
    action = AuditAction.CHANGED if before else AuditAction.CREATED
    return audit_record(actor=actor, action=action, instance=instance, changes=diff(before, snapshot(instance)))


def audited_delete(*, actor: User | None, instance: models.Model) -> AuditEntry | None:
    """Record the object's stored values, then delete it."""
    entry = audit_record(
        actor=actor, action=AuditAction.DELETED, instance=instance, changes=diff(stored_snapshot(instance), {})
    )
    instance.delete()
    return entry


@dataclass(frozen=True)
class RowChanges:
    """Dependent rows of one configuration change (an inline table): rows to save, new or changed in memory,
    and rows to delete."""

    saved: Sequence[models.Model] = ()
    deleted: Sequence[models.Model] = ()


def audited_rows(*, actor: User | None, changes: RowChanges | None) -> None:
    """Delete and save the rows, each audited with before and after. Deletions go first, so a row may take the
    place (the unique key) of one deleted in the same change."""
    if changes is None:
        return
    for row in changes.deleted:
        audited_delete(actor=actor, instance=row)
    for row in changes.saved:
        audited_save(actor=actor, instance=row)


# How long the access log keeps an opening: two years, then `access_log_prune` forgets it.
ACCESS_LOG_RETENTION_MONTHS = 24
ACCESS_PRUNE_BATCH = 1000


def access_record(*, actor: User, ticket_id: int, organisation_id: int) -> None:
    """Record that member of staff `actor` opened the ticket now (nothing for anyone else): one INSERT that
    ignores the row this person already has for the ticket in this hour (INSERT OR IGNORE on SQLite, ON
    CONFLICT DO NOTHING on PostgreSQL), so a reload, a double load or two loads at once cost no second row and
    no error. The caller has read the ticket through the staff's scope: only what they may open is recorded."""
    if not access_is_recorded(actor):
        return
    moment = now()
    hour = moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    row = StaffAccess(organisation_id=organisation_id, ticket_id=ticket_id, staff_id=actor.pk, hour=hour, at=moment)
    StaffAccess.objects.bulk_create([row], ignore_conflicts=True)


def access_log_cutoff(moment: dt.datetime) -> dt.datetime:
    """The moment `ACCESS_LOG_RETENTION_MONTHS` months before `moment` (the same day of the month, or the last
    day of a shorter month): openings before it are forgotten."""
    return months_before(moment, ACCESS_LOG_RETENTION_MONTHS)


def access_log_prune(*, moment: dt.datetime | None = None, batch: int = ACCESS_PRUNE_BATCH) -> int:
    """Forget the openings older than the retention, `batch` rows per statement so no delete holds many locks
    for long; returns how many went. Idempotent: a second run finds nothing left to delete."""
    cutoff = access_log_cutoff(moment or now())
    deleted = 0
    while ids := list(StaffAccess.objects.filter(at__lt=cutoff).order_by("at").values_list("pk", flat=True)[:batch]):
        deleted += StaffAccess.objects.filter(pk__in=ids).delete()[0]
        if len(ids) < batch:
            break
    return deleted
