"""A desk world for the desk's tests, and helpers to read its pages.

Carla's Operations team serves ACME and Nord; Otto's "Nord desk" serves Nord only, so Otto is the consultant
of another organisation for everything of ACME's. Ada develops for ACME, Dana for Nord.
"""

import copy
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse

from picocore.audit.models import AuditEntry
from picocore.catalog.choices import TicketType
from picocore.catalog.models import RequestType
from picocore.changes.models import Change, ChangeComponent, PostImplementationReview
from picocore.desk.models import DeskPreference, TicketPresence
from picocore.development.models import DevelopmentItem
from picocore.development.services import development_hand_off
from picocore.hours.models import LedgerAdjustment, LedgerMonth, OverageApproval, RunningTimer, TimeEntry
from picocore.knowledge.models import Article, ArticleAttachment
from picocore.reviews.models import ServiceReview
from picocore.tenancy.choices import StaffRole, TeamKind
from picocore.tenancy.models import Organisation, Team, User
from picocore.tickets.models import Attachment, CannedReply, SavedView, Ticket, TicketEvent, TicketLink, TicketWatcher
from picocore.tickets.services import ticket_add_note
from tests import factories
from tests.conftest import Customer, make_customer

ACME_TITLE = "Acme secret price export"
ACME_CHANGE_TITLE = "Acme new PDF layout"
ACME_FILE = "acme-prices.csv"
ACME_FILE_BODY = b"sku;price\nA-1;9.99\n"
ACME_NOTE = "Acme pays late; be careful"
ACME_NOTE_FILE = "acme-internal.txt"
ACME_NOTE_FILE_BODY = b"credit check: poor\n"
NORD_TITLE = "Nord catalogue sync"
NORD_CHANGE_TITLE = "Nord new export channel"

# What of ACME's must never reach a person who may not work on ACME. (Request types are the service
# provider's catalogue, shared by every customer, so their names are not in this list.)
ACME_STRINGS = (
    "ACME-1",
    "ACME-2",
    ACME_TITLE,
    ACME_CHANGE_TITLE,
    ACME_FILE,
    ACME_NOTE,
    ACME_NOTE_FILE,
    "Acme Ltd",
    "ACME PIM",
    "ACME Requester",
    "ACME Admin",
)

CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')


@dataclass
class DeskWorld:
    acme: Customer
    nord: Customer
    consultant: User  # Carla: Operations serves ACME and Nord
    operations: Team
    outsider: User  # Otto: "Nord desk" serves Nord only
    nord_desk: Team
    manager: User  # a service manager: sees every organisation
    acme_developer: User  # Ada: "ACME development"
    acme_development: Team
    developer: User  # Dana: "Nord development", nothing of ACME's
    nord_development: Team
    change_type: RequestType
    ticket: Ticket  # ACME-1: incident with a public file and an internal note with a file
    change: Ticket  # ACME-2: change request handed to ACME development
    public_file: Attachment
    internal_file: Attachment
    item: DevelopmentItem  # ACME-2's development item
    nord_ticket: Ticket  # NORD-1
    nord_change: Ticket  # NORD-2
    nord_item: DevelopmentItem


def upload(name: str = "log.txt", content: bytes = b"2025-01-15 import failed\n") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def change_request_type(*customers: Customer) -> RequestType:
    """A change request type every given customer's subscription offers."""
    change = factories.RequestTypeFactory(ticket_type=TicketType.CHANGE_REQUEST, name="Change to the solution")
    for customer in customers:
        customer.organisation.contracts.get().tier.request_types.add(change)
    return change


def build_world() -> DeskWorld:
    operations = factories.TeamFactory(name="Operations", kind=TeamKind.OPERATIONS)
    consultant = factories.StaffFactory(full_name="Carla Consultant", staff_role=StaffRole.CONSULTANT)
    operations.members.add(consultant)
    acme, nord = make_customer("ACME", operations), make_customer("NORD", operations)
    outsider = factories.StaffFactory(full_name="Otto Outsider", staff_role=StaffRole.CONSULTANT)
    nord_desk = factories.TeamFactory(name="Nord desk", organisations=[nord.organisation], members=[outsider])
    manager = factories.StaffFactory(full_name="Mona Manager", staff_role=StaffRole.SERVICE_MANAGER)
    acme_developer = factories.StaffFactory(full_name="Ada Developer", staff_role=StaffRole.DEVELOPER)
    acme_development = factories.TeamFactory(
        name="ACME development", kind=TeamKind.DEVELOPMENT, organisations=[acme.organisation], members=[acme_developer]
    )
    developer = factories.StaffFactory(full_name="Dana Developer", staff_role=StaffRole.DEVELOPER)
    nord_development = factories.TeamFactory(
        name="Nord development", kind=TeamKind.DEVELOPMENT, organisations=[nord.organisation], members=[developer]
    )
    change_type = change_request_type(acme, nord)

    ticket = acme.ticket(title=ACME_TITLE, files=[upload(ACME_FILE, ACME_FILE_BODY)])
    ticket_add_note(
        actor=consultant, ticket=ticket, body=ACME_NOTE, files=[upload(ACME_NOTE_FILE, ACME_NOTE_FILE_BODY)]
    )
    change = acme.ticket(title=ACME_CHANGE_TITLE, request_type=change_type)
    item = development_hand_off(actor=consultant, ticket=change, team=acme_development, brief="New layout.")
    nord_ticket = nord.ticket(title=NORD_TITLE)
    nord_change = nord.ticket(title=NORD_CHANGE_TITLE, request_type=change_type)
    nord_item = development_hand_off(actor=consultant, ticket=nord_change, team=nord_development, brief="Export.")
    ticket.refresh_from_db()
    change.refresh_from_db()
    return DeskWorld(
        acme=acme,
        nord=nord,
        consultant=consultant,
        operations=operations,
        outsider=outsider,
        nord_desk=nord_desk,
        manager=manager,
        acme_developer=acme_developer,
        acme_development=acme_development,
        developer=developer,
        nord_development=nord_development,
        change_type=change_type,
        ticket=ticket,
        change=change,
        public_file=ticket.attachments.get(public=True),
        internal_file=ticket.attachments.get(public=False),
        item=item,
        nord_ticket=nord_ticket,
        nord_change=nord_change,
        nord_item=nord_item,
    )


@pytest.fixture(scope="module")
def desk_world(django_db_setup, django_db_blocker) -> Iterator[DeskWorld]:
    """The world, built once per test module in a transaction rolled back at the module's end. Each test runs
    in a savepoint inside it, rolled back after the test — as Django's `TestCase.setUpTestData` does — so the
    tests share the rows but not one another's changes."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(desk_world, db) -> DeskWorld:
    """The world for one test: its own copy of the Python objects (the rows are restored by the rollback)."""
    return copy.deepcopy(desk_world)


def state() -> dict:
    """Everything a desk request could change: rows, every ticket's working columns, items, counters, mail."""
    return {
        "tickets": list(
            Ticket.objects.order_by("pk").values_list(
                "key",
                "status",
                "team_id",
                "assignee_id",
                "priority",
                "priority_reason",
                "next_step",
                "next_step_due",
                "merged_into_id",
                "updated_at",
                "resolved_at",
                "closed_at",
                "channel",
            )
        ),
        "events": TicketEvent.objects.count(),
        "attachments": Attachment.objects.count(),
        "links": TicketLink.objects.count(),
        "watchers": TicketWatcher.objects.count(),
        "items": list(DevelopmentItem.objects.order_by("pk").values_list("pk", "milestone", "updated_at")),
        "counters": list(Organisation.objects.order_by("pk").values_list("key_prefix", "last_ticket_number")),
        "mail": len(mail.outbox),
        "saved_views": list(SavedView.objects.order_by("pk").values_list("pk", "owner_id", "team_id", "name")),
        "presence": list(
            TicketPresence.objects.order_by("pk").values_list("ticket_id", "user_id", "seen_at", "typing_at")
        ),
        "preferences": list(DeskPreference.objects.order_by("pk").values_list("user_id", "timeline_order")),
        "changes": list(
            Change.objects.order_by("pk").values_list(
                "pk", "status", "title", "reason", "planned_start", "planned_end", "sequence", "updated_at"
            )
        ),
        "change_components": list(ChangeComponent.objects.order_by("pk").values_list("change_id", "component_id")),
        "change_reviews": list(PostImplementationReview.objects.order_by("pk").values_list("change_id", "outcome")),
        "canned_replies": list(
            CannedReply.objects.order_by("pk").values_list("pk", "owner_id", "team_id", "name", "body", "active")
        ),
        "audit": AuditEntry.objects.count(),
        "time": list(
            TimeEntry.objects.order_by("pk").values_list("pk", "minutes", "debited_minutes", "work_date", "description")
        ),
        "timers": list(RunningTimer.objects.order_by("pk").values_list("pk", "user_id", "ticket_id", "started_at")),
        "adjustments": list(LedgerAdjustment.objects.order_by("pk").values_list("pk", "minutes")),
        "ledger_months": list(LedgerMonth.objects.order_by("pk").values_list("pk", "closed_at")),
        "approvals": list(OverageApproval.objects.order_by("pk").values_list("pk", "decision")),
        "reviews": list(ServiceReview.objects.order_by("pk").values_list("pk", "status", "summary", "proposals")),
        "articles": list(
            Article.objects.order_by("pk").values_list("pk", "status", "title", "latest_number", "review_due")
        ),
        "article_files": ArticleAttachment.objects.count(),
        **problem_rows(),
    }


def problem_rows() -> dict:
    """The problems' rows a desk request could change."""
    from picocore.problems.models import (
        AffectedCustomer,
        Problem,
        ProblemComponent,
        ProblemIncident,
        Proposal,
        WorkaroundDelivery,
    )

    return {
        "problems": list(
            Problem.objects.order_by("pk").values_list(
                "pk", "title", "workaround", "status", "fixing_change_id", "known_issue_published_at", "updated_at"
            )
        ),
        "problem_incidents": list(ProblemIncident.objects.order_by("pk").values_list("problem_id", "ticket_id")),
        "problem_components": list(ProblemComponent.objects.order_by("pk").values_list("problem_id", "component_id")),
        "problem_customers": AffectedCustomer.objects.count(),
        "workaround_deliveries": WorkaroundDelivery.objects.count(),
        "proposals": list(Proposal.objects.order_by("pk").values_list("pk", "status", "problem_id")),
    }


def page(response: HttpResponse) -> str:
    """The page's HTML with the per-request CSRF token blanked, so two pages can be compared."""
    return CSRF_VALUE.sub(r"\1…\2", response.content.decode())


def body(response: HttpResponse) -> bytes:
    """The response's bytes; a streamed download is read to its end so the test client closes the file."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def leaked(response: HttpResponse, *, own: tuple[str, ...] = ()) -> list[str]:
    """The ACME strings a page shows, apart from `own` (e.g. the signed-in person's own name)."""
    text = html.unescape(body(response).decode(errors="replace"))
    return [s for s in ACME_STRINGS if s in text and s not in own]


def action_error(response: HttpResponse) -> str:
    """The reason the ticket page gives for an action it refused ("Not done: …")."""
    match = re.search(r'<div class="form-errors" role="alert" id="action-error">(.*?)</div>', page(response), re.S)
    assert match is not None, "the page shows no refusal"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def form_errors(response: HttpResponse) -> list[str]:
    """Every error listed on a form page, field errors and errors about the whole form alike."""
    blocks = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page(response), re.S)
    return [html.unescape(item) for block in blocks for item in re.findall(r"<li>(.*?)</li>", block, re.S)]


def messages_shown(response: HttpResponse) -> list[str]:
    """The flash messages on the page, in order."""
    found = re.findall(r'<p class="message message-\w+">(.*?)</p>', page(response), re.S)
    return [html.unescape(item) for item in found]


def bulk_results(response: HttpResponse) -> list[tuple[str, bool, str]]:
    """The rows of the bulk result page: (key, done, details)."""
    return [(key, ok, str(message)) for key, ok, message in response.context["results"]]


def login_redirect(path: str) -> str:
    """Where `login_required` sends an anonymous visitor of `path`."""
    return f"/accounts/login/?next={quote(path)}"
