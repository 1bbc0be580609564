"""`AuditedAdmin` records every change made through the admin; the trail itself is read-only there."""

from django.contrib import admin
from django.db import transaction

from picocore.audit.models import AuditAction, AuditEntry
from picocore.audit.services import RowChanges, audit_record, diff, snapshot, stored_snapshot


def inline_changes(formsets, model) -> RowChanges | None:
    """What the admin's inline table of `model` would save and delete, not yet written: for a service that
    saves the parent and its rows as one audited change."""
    for formset in formsets:
        if formset.model is model:
            saved = formset.save(commit=False)
            return RowChanges(saved=list(saved), deleted=list(formset.deleted_objects))
    return None


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves, deletes and inline edits each append an audit entry with before and after
    values, in the same transaction as the change (the admin wraps each request in one)."""

    def save_model(self, request, obj, form, change):
        request._audit_before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(request, "_audit_before", {})
        action = AuditAction.CHANGED if change else AuditAction.CREATED
        audit_record(actor=request.user, action=action, instance=obj, changes=diff(before, snapshot(obj)))

    def save_formset(self, request, form, formset, change):
        # From the database: the formset's own objects already carry the submitted values.
        before = {obj.pk: stored_snapshot(obj) for obj in formset.get_queryset()}
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit_record(actor=request.user, action=AuditAction.CREATED, instance=obj, changes=diff({}, snapshot(obj)))
        for obj, _fields in formset.changed_objects:
            changes = diff(before.get(obj.pk, {}), snapshot(obj))
            audit_record(actor=request.user, action=AuditAction.CHANGED, instance=obj, changes=changes)
        for obj in formset.deleted_objects:
            audit_record(
                actor=request.user,
                action=AuditAction.DELETED,
                instance=obj,
                changes=diff(before.get(obj.pk, {}), {}),
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(actor=request.user, action=AuditAction.DELETED, instance=obj, changes=diff(snapshot(obj), {}))
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                changes = diff(snapshot(obj), {})
                audit_record(actor=request.user, action=AuditAction.DELETED, instance=obj, changes=changes)
            super().delete_queryset(request, queryset)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "actor__email"]
    list_select_related = ["actor", "content_type"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
