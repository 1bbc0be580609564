from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from picocore.outbox.models import OutboxEmail, OutboxStatus
from picocore.outbox.services import outbox_retry


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin[OutboxEmail]):
    """What left (or is waiting to leave) by e-mail; parked messages can be sent again."""

    list_display = ["created_at", "to_address", "subject", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status", "kind"]
    search_fields = ["to_address", "subject", "message_id"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in OutboxEmail._meta.fields]
    actions = ["retry"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboxEmail | None = None) -> bool:
        return False

    @admin.action(description="Send the selected parked e-mails again")
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxEmail]) -> None:
        count = outbox_retry(email_ids=list(queryset.filter(status=OutboxStatus.PARKED).values_list("pk", flat=True)))
        self.message_user(request, f"{count} e-mail(s) queued again.", messages.SUCCESS)
