"""Inbound mail in the admin: the messages (held ones with their reason, the raw source, retry), the policy,
sender domains, recipient addresses and IMAP mailboxes (configuration, audited)."""

import os

from django.contrib import admin, messages
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from picocore.audit.admin import AuditedAdmin
from picocore.core.errors import PicoCoreError
from picocore.mail.models import DomainMapping, InboundMessage, InboundStatus, Mailbox, MailPolicy, RecipientMapping
from picocore.mail.services import mail_retry
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.http import signed_in_user
from picocore.tenancy.models import User

RAW_PREVIEW_BYTES = 200_000


def may_retry(user: User | AnonymousUser) -> bool:
    return (
        isinstance(user, User) and user.is_active and (user.is_superuser or user.staff_role == StaffRole.ADMINISTRATOR)
    )


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin[InboundMessage]):
    """Read-only: messages change only by processing or a retry. Held messages are listed with their reason;
    the raw source can be viewed and downloaded."""

    list_display = ["received_at", "status", "outcome", "from_address", "subject", "ticket", "short_reason"]
    list_filter = ["status", "outcome", "source"]
    search_fields = ["from_address", "subject", "message_id"]
    list_select_related = ["ticket"]
    show_full_result_count = False
    date_hierarchy = "received_at"
    actions = ["retry"]
    fields = (
        "status", "outcome", "reason", "received_at", "processed_at", "attempts", "source", "mailbox",
        "from_address", "envelope_sender", "recipients", "subject", "message_id", "size", "organisation",
        "sender", "ticket", "duplicate_of", "data", "body_text", "raw_source",
    )  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundMessage]:
        queryset = super().get_queryset(request)
        # The list never loads message bodies; the detail page does.
        if request.resolver_match and (request.resolver_match.url_name or "").endswith("changelist"):
            queryset = queryset.defer("raw", "body_text", "body_html", "data")
        return queryset

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: InboundMessage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: InboundMessage | None = None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return may_retry(request.user)

    @admin.display(description=_("reason"))
    def short_reason(self, obj: InboundMessage) -> str:
        return Truncator(obj.reason).chars(90)

    @admin.display(description=_("raw message"))
    def raw_source(self, obj: InboundMessage) -> SafeString:
        raw = bytes(obj.raw)
        preview = raw[:RAW_PREVIEW_BYTES].decode("utf-8", "replace")
        more = _("(first %(n)s bytes shown)") % {"n": RAW_PREVIEW_BYTES} if len(raw) > RAW_PREVIEW_BYTES else ""
        retry = ""
        if obj.status in (InboundStatus.HELD, InboundStatus.FAILED):
            # The change page is one form (with its CSRF token): the button posts it to the retry view.
            retry = format_html(
                '<p><button type="submit" formaction="{}" formmethod="post">{}</button></p>',
                reverse("admin:mail_inboundmessage_retry", args=[obj.pk]),
                _("Retry processing"),
            )
        return format_html(
            '<p><a href="{}">{}</a> {}</p>{}<pre>{}</pre>',
            reverse("admin:mail_inboundmessage_raw", args=[obj.pk]),
            _("Download as .eml"),
            more,
            retry,
            preview,
        )

    @admin.action(description=_("Retry processing of the selected held or failed messages"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        retried = 0
        refused: list[str] = []
        for message in queryset.filter(status__in=[InboundStatus.HELD, InboundStatus.FAILED]).defer("raw"):
            try:
                mail_retry(actor=signed_in_user(request), message=message)
            except PicoCoreError as error:
                refused.append(error.message)
                continue
            retried += 1
        self.message_user(request, _("%(n)s message(s) sent to processing again.") % {"n": retried})
        for text in refused:
            self.message_user(request, text, level=messages.WARNING)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path("<int:pk>/raw/", self.admin_site.admin_view(self.raw_view), name="mail_inboundmessage_raw"),
            path("<int:pk>/retry/", self.admin_site.admin_view(self.retry_view), name="mail_inboundmessage_retry"),
        ]
        return own + super().get_urls()

    def raw_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        message = get_object_or_404(InboundMessage, pk=pk)
        response = HttpResponse(bytes(message.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="inbound-{message.pk}.eml"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def retry_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not may_retry(request.user):
            return HttpResponse(status=403)
        message = get_object_or_404(InboundMessage.objects.defer("raw"), pk=pk)
        try:
            mail_retry(actor=signed_in_user(request), message=message)
        except PicoCoreError as error:
            self.message_user(request, error.message, level=messages.WARNING)
        else:
            self.message_user(request, _("The message was sent to processing again."))
        return HttpResponseRedirect(reverse("admin:mail_inboundmessage_change", args=[pk]))


@admin.register(MailPolicy)
class MailPolicyAdmin(AuditedAdmin):
    list_display = ["__str__", "unknown_senders", "request_type", "max_messages_per_sender_per_hour"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not MailPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: MailPolicy | None = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
        # One row: go straight to it.
        policy = MailPolicy.current()
        return HttpResponseRedirect(reverse("admin:mail_mailpolicy_change", args=[policy.pk]))


@admin.register(DomainMapping)
class DomainMappingAdmin(AuditedAdmin):
    list_display = ["domain", "organisation"]
    search_fields = ["domain", "organisation__name"]
    autocomplete_fields = ["organisation"]
    list_select_related = ["organisation"]


@admin.register(RecipientMapping)
class RecipientMappingAdmin(AuditedAdmin):
    list_display = ["address", "organisation"]
    search_fields = ["address", "organisation__name"]
    autocomplete_fields = ["organisation"]
    list_select_related = ["organisation"]


@admin.register(Mailbox)
class MailboxAdmin(AuditedAdmin):
    list_display = ["name", "username", "host", "folder", "after_store", "active", "password_available",
                    "last_polled_at", "last_error"]  # fmt: skip
    list_filter = ["active"]
    readonly_fields = ["last_polled_at", "last_error"]

    @admin.display(description=_("password in this process's environment"), boolean=True)
    def password_available(self, obj: Mailbox) -> bool:
        # Says only whether it is set (for this web process), never what it is.
        return bool(os.environ.get(obj.password_env))
