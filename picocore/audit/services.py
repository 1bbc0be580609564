"""Snapshots of objects and the recording of what changed between two of them."""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.backends.utils import format_number

from picocore.audit.models import AuditAction, AuditEntry
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
    """Append one entry to the audit trail; a change that changed nothing (but the time of the save) records
    nothing."""
    if action == AuditAction.CHANGED and not set(changes) - BOOKKEEPING_FIELDS:
        return None
    return AuditEntry.objects.create(
        actor=actor if actor and actor.is_authenticated else None,
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
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
