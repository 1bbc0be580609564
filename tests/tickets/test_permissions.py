"""Every ticket service checks the actor itself, whoever calls it: a view, a task, the mail pipeline or a script.

The services are enumerated from `picocore.tickets.services.__all__`, so a new one without a case here fails
`test_every_public_service_has_a_case`. Each is called, with arguments the legitimate actor may use, by people
who must not reach ACME's tickets: a customer of another organisation, a developer (even one of ACME's own
development team), and a consultant whose team serves only another customer. Each is refused with NotFound,
and nothing is changed or queued.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core import mail

from picocore.catalog.choices import Impact, TicketType, Urgency
from picocore.catalog.models import RequestType
from picocore.core.errors import NotFound, PermissionDenied
from picocore.development.choices import Milestone
from picocore.development.models import DevelopmentItem
from picocore.development.services import development_hand_off, development_item_move
from picocore.notifications.models import Notification
from picocore.outbox.models import OutboxEmail
from picocore.tenancy.choices import RequestVisibility, StaffRole, TeamKind
from picocore.tenancy.models import Organisation, Team, User
from picocore.tickets import services
from picocore.tickets.choices import LinkKind, Status
from picocore.tickets.models import Attachment, Ticket, TicketEvent, TicketLink, TicketWatcher
from picocore.tickets.permissions import (
    FOLLOWS,
    WORKS_ON,
    can_add_note,
    can_create_in,
    can_reopen,
    can_reply,
    can_take,
    can_transition,
    ticket_access,
    ticket_actions,
)
from picocore.tickets.services import (
    ticket_add_note,
    ticket_assign,
    ticket_change_priority,
    ticket_confirm_resolution,
    ticket_create,
    ticket_link,
    ticket_merge,
    ticket_reopen,
    ticket_reply,
    ticket_set_next_step,
    ticket_share,
    ticket_take,
    ticket_transition,
)
from tests import factories
from tests.conftest import Customer

pytestmark = pytest.mark.django_db


@dataclass
class World:
    acme: Customer
    nord: Customer
    consultant: User  # Operations: serves ACME and Nord
    operations: Team
    outsider: User  # a consultant of "Nord desk", which serves Nord only
    acme_developer: User  # a developer of ACME development
    acme_development: Team
    nord_developer: User
    change_type: RequestType
    ticket: Ticket  # ACME-1, new
    other: Ticket  # ACME-2, new
    resolved: Ticket  # ACME-3, resolved by the team
    change: Ticket  # ACME-4, a change request, not yet handed off
    handed: Ticket  # ACME-5, a change request handed to ACME development
    item: DevelopmentItem  # ACME-5's item


@pytest.fixture
def world(acme, nord, consultant, operations_team) -> World:
    outsider = factories.StaffFactory(full_name="Otto Outsider", staff_role=StaffRole.CONSULTANT)
    factories.TeamFactory(name="Nord desk", organisations=[nord.organisation], members=[outsider])
    acme_developer = factories.StaffFactory(full_name="Ada Developer", staff_role=StaffRole.DEVELOPER)
    acme_development = factories.TeamFactory(
        name="ACME development", kind=TeamKind.DEVELOPMENT, organisations=[acme.organisation], members=[acme_developer]
    )
    nord_developer = factories.StaffFactory(full_name="Dana Developer", staff_role=StaffRole.DEVELOPER)
    factories.TeamFactory(
        name="Nord development", kind=TeamKind.DEVELOPMENT, organisations=[nord.organisation], members=[nord_developer]
    )
    change_type = factories.RequestTypeFactory(ticket_type=TicketType.CHANGE_REQUEST, name="Change")
    acme.organisation.contracts.get().tier.request_types.add(change_type)
    # Its requesters see their own requests and those shared (so that sharing is a service to refuse strangers).
    acme.organisation.request_visibility = RequestVisibility.OWN_AND_SHARED
    acme.organisation.save(update_fields=["request_visibility"])

    ticket, other, resolved = acme.ticket(), acme.ticket(title="Same again"), acme.ticket(title="Export slow")
    ticket_transition(actor=consultant, ticket=resolved, to=Status.IN_PROGRESS)
    ticket_transition(actor=consultant, ticket=resolved, to=Status.RESOLVED, note="Re-indexed.")
    change = acme.ticket(title="New PDF layout", request_type=change_type)
    handed = acme.ticket(title="New export channel", request_type=change_type)
    item = development_hand_off(actor=consultant, ticket=handed, team=acme_development, brief="Export.")
    for t in (ticket, other, resolved, change, handed):
        t.refresh_from_db()
    return World(
        acme, nord, consultant, operations_team, outsider, acme_developer, acme_development, nord_developer,
        change_type, ticket, other, resolved, change, handed, item,
    )  # fmt: skip


# Each public service: how the legitimate actor (named by the World attribute) calls it.
CALLS: dict[str, tuple[str, Callable[[User, World], object]]] = {
    "ticket_add_note": ("consultant", lambda a, w: ticket_add_note(actor=a, ticket=w.ticket, body="Internal.")),
    "ticket_assign": (
        "consultant",
        lambda a, w: ticket_assign(actor=a, ticket=w.ticket, team=w.operations, assignee=w.consultant),
    ),
    "ticket_change_priority": (
        "consultant",
        lambda a, w: ticket_change_priority(actor=a, ticket=w.ticket, priority=1, reason="The shop is down."),
    ),
    "ticket_confirm_resolution": ("requester", lambda a, w: ticket_confirm_resolution(actor=a, ticket=w.resolved)),
    "ticket_create": (
        "consultant",
        lambda a, w: ticket_create(
            actor=a,
            organisation=w.acme.organisation,
            request_type=w.acme.incident,
            title="Phone: export broken",
            description="Called in.",
            impact=Impact.HIGH,
            urgency=Urgency.HIGH,
            requester=w.acme.requester,
        ),
    ),
    "ticket_link": (
        "consultant",
        lambda a, w: ticket_link(actor=a, ticket=w.ticket, other=w.other, kind=LinkKind.RELATED),
    ),
    "ticket_merge": ("consultant", lambda a, w: ticket_merge(actor=a, duplicate=w.other, into=w.ticket)),
    "ticket_reopen": ("requester", lambda a, w: ticket_reopen(actor=a, ticket=w.resolved, reason="Still slow.")),
    "ticket_reply": ("requester", lambda a, w: ticket_reply(actor=a, ticket=w.ticket, body="More details.")),
    "ticket_share": ("requester", lambda a, w: ticket_share(actor=a, ticket=w.ticket, shared=True)),
    "ticket_set_next_step": (
        "consultant",
        lambda a, w: ticket_set_next_step(actor=a, ticket=w.ticket, text="Check the logs", due=None),
    ),
    "ticket_take": ("consultant", lambda a, w: ticket_take(actor=a, ticket=w.ticket)),
    "ticket_transition": ("consultant", lambda a, w: ticket_transition(actor=a, ticket=w.ticket, to=Status.CANCELLED)),
}
# Services that take no actor: run by the scheduler on ids, they are not reachable by a person.
SYSTEM_SERVICES = {"ticket_auto_close"}

DEVELOPMENT_CALLS: dict[str, tuple[str, Callable[[User, World], object]]] = {
    "development_hand_off": (
        "consultant",
        lambda a, w: development_hand_off(actor=a, ticket=w.change, team=w.acme_development, brief="Layout."),
    ),
    "development_item_move": (
        "acme_developer",
        lambda a, w: development_item_move(actor=a, item=w.item, milestone=Milestone.ACCEPTED),
    ),
}

# Who must never reach ACME's tickets through the ticket services.
STRANGERS = {
    "foreign customer": lambda w: w.nord.requester,
    "foreign customer admin": lambda w: w.nord.admin,
    "developer": lambda w: w.acme_developer,
    "consultant of another customer": lambda w: w.outsider,
}
# Who must never reach ACME's development work.
DEVELOPMENT_STRANGERS = {
    "foreign customer": lambda w: w.nord.requester,
    "developer of another team": lambda w: w.nord_developer,
    "consultant of another customer": lambda w: w.outsider,
}


def legitimate(world: World, who: str) -> User:
    return world.acme.requester if who == "requester" else getattr(world, who)


def state() -> dict:
    """Every row a ticket or development service could write, and everything it could queue."""
    return {
        "tickets": list(Ticket.objects.order_by("pk").values()),
        "events": TicketEvent.objects.count(),
        "attachments": Attachment.objects.count(),
        "links": TicketLink.objects.count(),
        "watchers": TicketWatcher.objects.count(),
        "items": list(DevelopmentItem.objects.order_by("pk").values()),
        "counters": list(Organisation.objects.order_by("pk").values_list("pk", "last_ticket_number")),
        "notifications": Notification.objects.count(),
        "outbox": OutboxEmail.objects.count(),
        "mail": len(mail.outbox),
    }


def test_every_public_service_has_a_case():
    assert set(services.__all__) == set(CALLS) | SYSTEM_SERVICES
    for name in SYSTEM_SERVICES:
        assert "actor" not in inspect.signature(getattr(services, name)).parameters
    for name in CALLS:
        parameter = inspect.signature(getattr(services, name)).parameters["actor"]
        assert parameter.kind == inspect.Parameter.KEYWORD_ONLY


def _refused(world, call, actor, django_capture_on_commit_callbacks, error=NotFound):
    before = state()
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(error):
        call(actor, world)
    assert state() == before
    assert callbacks == []  # no task (e-mail sending, SLA work) was queued


@pytest.mark.parametrize("stranger", list(STRANGERS))
@pytest.mark.parametrize("name", list(CALLS))
def test_a_stranger_is_refused_every_service_and_nothing_changes(
    world, name, stranger, django_capture_on_commit_callbacks
):
    _refused(world, CALLS[name][1], STRANGERS[stranger](world), django_capture_on_commit_callbacks)


@pytest.mark.parametrize("stranger", list(DEVELOPMENT_STRANGERS))
@pytest.mark.parametrize("name", list(DEVELOPMENT_CALLS))
def test_a_stranger_is_refused_development_services_and_nothing_changes(
    world, name, stranger, django_capture_on_commit_callbacks
):
    actor = DEVELOPMENT_STRANGERS[stranger](world)
    _refused(world, DEVELOPMENT_CALLS[name][1], actor, django_capture_on_commit_callbacks)


@pytest.mark.parametrize("name", list(CALLS) + list(DEVELOPMENT_CALLS))
def test_the_legitimate_actor_still_may(world, name):
    who, call = {**CALLS, **DEVELOPMENT_CALLS}[name]
    before = state()
    call(legitimate(world, who), world)
    after = state()
    assert after["events"] > before["events"]


# The team's own actions, tried by the ticket's requester, who sees the ticket: refused as not theirs to do.
TEAM_ONLY = [
    "ticket_add_note",
    "ticket_assign",
    "ticket_change_priority",
    "ticket_create",
    "ticket_link",
    "ticket_merge",
    "ticket_set_next_step",
    "ticket_take",
    "ticket_transition",
]


@pytest.mark.parametrize("name", TEAM_ONLY)
def test_a_customer_who_sees_the_ticket_may_not_do_the_teams_work(world, name, django_capture_on_commit_callbacks):
    actor = world.acme.admin if name == "ticket_create" else world.acme.requester  # files for a colleague
    _refused(world, CALLS[name][1], actor, django_capture_on_commit_callbacks, error=PermissionDenied)


def test_a_consultant_cannot_link_or_merge_into_a_ticket_they_do_not_work_on(world, django_capture_on_commit_callbacks):
    nord_ticket = world.nord.ticket(title="Nord sync")
    for call in (
        lambda a, w: ticket_link(actor=a, ticket=nord_ticket, other=w.ticket, kind=LinkKind.RELATED),
        lambda a, w: ticket_merge(actor=a, duplicate=nord_ticket, into=w.ticket),
    ):
        _refused(world, call, world.outsider, django_capture_on_commit_callbacks)


def test_a_manager_without_an_operations_team_sees_but_cannot_take(world, django_capture_on_commit_callbacks):
    manager = factories.StaffFactory(staff_role=StaffRole.SERVICE_MANAGER)
    assert ticket_access(manager, world.ticket) == WORKS_ON
    assert can_take(manager, world.ticket) is False
    _refused(world, CALLS["ticket_take"][1], manager, django_capture_on_commit_callbacks, error=PermissionDenied)
    world.operations.members.add(manager)
    assert can_take(manager, world.ticket) is True


def test_a_requester_who_may_not_see_a_colleagues_ticket_cannot_reply_on_it(world, django_capture_on_commit_callbacks):
    colleague = factories.UserFactory()
    factories.MembershipFactory(user=colleague, organisation=world.acme.organisation)
    _refused(world, CALLS["ticket_reply"][1], colleague, django_capture_on_commit_callbacks)


def test_an_inactive_member_of_staff_may_do_nothing(world, django_capture_on_commit_callbacks):
    world.consultant.is_active = False
    world.consultant.save()
    assert ticket_access(world.consultant, world.ticket).sees is False
    _refused(world, CALLS["ticket_add_note"][1], world.consultant, django_capture_on_commit_callbacks)


def test_permissions_answer_the_same_questions_for_views(world):
    requester, consultant = world.acme.requester, world.consultant
    assert ticket_access(requester, world.ticket) == FOLLOWS
    assert ticket_access(consultant, world.ticket) == WORKS_ON
    assert (can_reply(requester, world.ticket), can_add_note(requester, world.ticket)) == (True, False)
    assert can_transition(requester, world.resolved, Status.CLOSED) is True
    assert can_transition(requester, world.ticket, Status.CANCELLED) is False
    assert can_reopen(requester, world.resolved) is True
    assert can_reopen(requester, world.resolved, reopen_until=world.resolved.resolved_at) is False  # window over
    assert can_create_in(requester, world.acme.organisation, world.acme.incident) is True
    assert can_create_in(world.nord.requester, world.acme.organisation, world.acme.incident) is False
    assert can_create_in(world.outsider, world.acme.organisation, world.acme.incident, requester=requester) is False
    portal = ticket_actions(requester, world.resolved, access=FOLLOWS)
    assert {k for k, v in portal.items() if v} == {"reply", "confirm", "reopen", "share"}  # the organisation shares
    desk = ticket_actions(consultant, world.ticket, access=WORKS_ON)
    assert {k for k, v in desk.items() if v} == {
        "reply", "note", "statuses", "take", "assign", "next_step", "priority", "link", "merge", "hand_off", "impact",
    }  # fmt: skip
    assert desk["statuses"] == [Status.TRIAGED, Status.IN_PROGRESS, Status.CANCELLED]
