from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from picocore.tickets.models import Attachment, Ticket, TicketEvent


class ReadOnlyAdmin[M: Model](admin.ModelAdmin[M]):
    """Tickets change only through the services (which record the timeline); the admin only shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin[Ticket]):
    list_display = ["key", "title", "organisation", "status", "priority", "created_at"]
    list_filter = ["status", "priority", "ticket_type", "organisation"]
    search_fields = ["key", "title"]
    list_select_related = ["organisation"]
    show_full_result_count = False


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin[TicketEvent]):
    list_display = ["ticket", "kind", "public", "actor", "created_at"]
    list_filter = ["kind", "public"]
    list_select_related = ["ticket", "actor"]
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin[Attachment]):
    list_display = ["filename", "ticket", "size", "content_type", "created_at"]
    list_select_related = ["ticket"]
