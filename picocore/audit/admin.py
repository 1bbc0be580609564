"""`AuditedAdmin` records every change made through the admin; the trail itself is read-only there."""

from typing import Any

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import Field, Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from picocore.audit.models import AuditAction, AuditEntry
from picocore.audit.services import RowChanges, audit_record, diff, snapshot, stored_snapshot
from picocore.tenancy.models import User


def inline_changes(formsets: list[Any], model: type[Model]) -> RowChanges | None:
    """What the admin's inline table of `model` would save and delete, not yet written: for a service that
    saves the parent and its rows as one audited change."""
    for formset in formsets:
        if formset.model is model:
            saved = formset.save(commit=False)
            return RowChanges(saved=list(saved), deleted=list(formset.deleted_objects))
    return None


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


class AuditedAdmin(admin.ModelAdmin[Any]):
    """A ModelAdmin whose saves, deletes and inline edits each append an audit entry with before and after
    values, in the same transaction as the change (the admin wraps each request in one)."""

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool) -> None:
        before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change else {}
        request._audit_before = before  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(request, "_audit_before", {})
        action = AuditAction.CHANGED if change else AuditAction.CREATED
        audit_record(actor=_actor(request), action=action, instance=obj, changes=diff(before, snapshot(obj)))

    def save_formset(self, request: HttpRequest, form: ModelForm[Any], formset: Any, change: bool) -> None:
        # From the database: the formset's own objects already carry the submitted values.
        before = {obj.pk: stored_snapshot(obj) for obj in formset.get_queryset()}
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit_record(
                actor=_actor(request), action=AuditAction.CREATED, instance=obj, changes=diff({}, snapshot(obj))
            )
        for obj, _fields in formset.changed_objects:
            changes = diff(before.get(obj.pk, {}), snapshot(obj))
            audit_record(actor=_actor(request), action=AuditAction.CHANGED, instance=obj, changes=changes)
        for obj in formset.deleted_objects:
            audit_record(
                actor=_actor(request),
                action=AuditAction.DELETED,
                instance=obj,
                changes=diff(before.get(obj.pk, {}), {}),
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit_record(
                actor=_actor(request), action=AuditAction.DELETED, instance=obj, changes=diff(snapshot(obj), {})
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                changes = diff(snapshot(obj), {})
                audit_record(actor=_actor(request), action=AuditAction.DELETED, instance=obj, changes=changes)
            super().delete_queryset(request, queryset)


def _value_text(value: Any, field: Field[Any, Any] | None) -> str:
    """One stored value as a person reads it: a choice by its label, nothing as "—", a list as its items."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list):
        return ", ".join(_value_text(item, None) for item in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_value_text(item, None)}" for key, item in value.items()) or "—"
    if field is not None and field.choices:
        labels = {str(key): label for key, label in field.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    return str(value)


def changes_table(changes: dict[str, dict[str, Any]], model: type[Model] | None = None) -> str:
    """An audit entry's changes as an HTML table, one row per field (named as the model names it) with its
    value before and after; every value escaped."""
    if not changes:
        return format_html("<p>{}</p>", _("No field values changed."))
    rows = []
    for name, change in changes.items():
        field: Field[Any, Any] | None = None
        if model is not None:
            try:
                found = model._meta.get_field(name)
            except FieldDoesNotExist:
                found = None
            field = found if isinstance(found, Field) else None
        label = str(field.verbose_name) if field is not None else name
        before, after = (change.get(side) if isinstance(change, dict) else None for side in ("before", "after"))
        rows.append((label[:1].upper() + label[1:], _value_text(before, field), _value_text(after, field)))
    body = format_html_join("", '<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>', rows)
    return format_html(
        '<table class="audit-changes"><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
        '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
        _("Field"),
        _("Before"),
        _("After"),
        body,
    )


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    """The trail, read-only: each entry's changes as a before/after table, not raw JSON."""

    list_display = ["sequence", "at", "actor", "action", "content_type", "object_repr", "changed_fields"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "actor__email"]
    list_select_related = ["actor", "content_type"]
    show_full_result_count = False
    readonly_fields = [
        "sequence", "at", "actor", "action", "content_type", "object_id", "object_repr", "changes_table", "hash",
    ]  # fmt: skip
    fields = list(readonly_fields)

    @admin.display(description=gettext_lazy("What changed"))
    def changes_table(self, entry: AuditEntry) -> str:
        return changes_table(entry.changes, entry.content_type.model_class())

    @admin.display(description=gettext_lazy("Fields"))
    def changed_fields(self, entry: AuditEntry) -> str:
        return ", ".join(entry.changes) if isinstance(entry.changes, dict) else ""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
