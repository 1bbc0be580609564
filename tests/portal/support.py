"""Helpers for the portal's tests: uploads, a snapshot of all a request could change, and page fragments."""

import html
import re
from urllib.parse import quote

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse

from picocore.hours.models import OverageApproval
from picocore.portal.context import SESSION_KEY
from picocore.satisfaction.models import Rating
from picocore.tenancy.models import Organisation, User
from picocore.tickets.choices import Status
from picocore.tickets.models import Attachment, Ticket, TicketEvent
from picocore.tickets.services import ticket_transition

CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')


def upload(name: str = "log.txt", content: bytes = b"2025-01-15 import failed\n") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def incident_form(acme, **overrides) -> dict:
    """The fields of a valid incident for the `acme` customer's request type, with `overrides` applied."""
    return {
        "title": "Product images missing",
        "description": "Since the 06:00 import no images show on the webshop.",
        "impact": "high",
        "urgency": "medium",
        "q_solution": acme.solution.pk,
        "q_environment": acme.production.pk,
        "q_steps": "Open any product page.",
        **overrides,
    }


def resolve(ticket: Ticket, consultant: User) -> None:
    """Take the ticket to resolved the way the service team does."""
    ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
    ticket_transition(actor=consultant, ticket=ticket, to=Status.RESOLVED, note="Re-ran the export.")


def state() -> dict:
    """Everything a portal request could change: rows, every ticket's lifecycle columns, key counters, mail."""
    return {
        "tickets": Ticket.objects.count(),
        "events": TicketEvent.objects.count(),
        "attachments": Attachment.objects.count(),
        "lifecycle": list(
            Ticket.objects.order_by("pk").values_list("key", "status", "updated_at", "resolved_at", "closed_at")
        ),
        "counters": list(Organisation.objects.order_by("pk").values_list("key_prefix", "last_ticket_number")),
        "mail": len(mail.outbox),
        "approvals": list(OverageApproval.objects.order_by("pk").values_list("pk", "decision", "decided_by_id")),
        "ratings": list(Rating.objects.order_by("pk").values_list("pk", "score", "comment", "updated_at")),
    }


def page(response: HttpResponse) -> str:
    """The page's HTML with the per-request CSRF token blanked, so two pages can be compared."""
    return CSRF_VALUE.sub(r"\1…\2", response.content.decode())


def body(response: HttpResponse) -> bytes:
    """The response's bytes. A download streams: reading it to the end lets the test client close the file
    (calling `close()` again would fire `request_finished` and close the test's database connection)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def field_errors(response: HttpResponse, field: str) -> list[str]:
    """The error messages rendered next to form field `field` (Django's `id_<field>_error` list)."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', response.content.decode(), re.S)
    if match is None:
        return []
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)]


def form_errors(response: HttpResponse) -> list[str]:
    """The errors shown at the top of a form, not tied to one field."""
    found = re.findall(r'<ul class="errorlist nonfield">(.*?)</ul>', response.content.decode(), re.S)
    return [html.unescape(item) for block in found for item in re.findall(r"<li>(.*?)</li>", block, re.S)]


def messages_shown(response: HttpResponse) -> list[str]:
    """The flash messages on the page, in order."""
    found = re.findall(r'<p class="message message-\w+">(.*?)</p>', response.content.decode(), re.S)
    return [html.unescape(item) for item in found]


def session_organisation(client) -> int | None:
    return client.session.get(SESSION_KEY)


def login_redirect(path: str) -> str:
    """Where Django's `login_required` sends an anonymous visitor of `path`."""
    return f"/accounts/login/?next={quote(path)}"
