from django.contrib import admin

from picocore.tickets.models import Attachment, Ticket, TicketEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Tickets change only through the services (which record the timeline); the admin only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["key", "title", "organisation", "status", "priority", "created_at"]
    list_filter = ["status", "priority", "ticket_type", "organisation"]
    search_fields = ["key", "title"]
    list_select_related = ["organisation"]
    show_full_result_count = False


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "kind", "public", "actor", "created_at"]
    list_filter = ["kind", "public"]
    list_select_related = ["ticket", "actor"]
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["filename", "ticket", "size", "content_type", "created_at"]
    list_select_related = ["ticket"]
