"""Snapshots of objects and the recording of what changed between two of them."""

import json
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from picocore.audit.models import AuditAction, AuditEntry
from picocore.tenancy.models import User

SECRET_FIELDS = frozenset({"password"})
HIDDEN = "(hidden)"


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(instance: models.Model, *, with_m2m: bool = True) -> dict[str, Any]:
    """The object's stored field values as JSON-safe data; many-to-many fields as sorted lists of names."""
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
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
    """Append one entry to the audit trail; a change that changed nothing records nothing."""
    if action == AuditAction.CHANGED and not changes:
        return None
    return AuditEntry.objects.create(
        actor=actor if actor and actor.is_authenticated else None,
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
    )
