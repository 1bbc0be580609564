"""Canned replies: who keeps and sees which (personal, a team's, everyone's), how they are checked when saved,
the audit trail of every change, and sending one with its status and next step in one transaction."""

import datetime as dt

import pytest
from django.core import mail

from picocore.audit.models import AuditEntry
from picocore.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from picocore.desk.services import ticket_send
from picocore.tickets.choices import CannedReplyKind, EventKind, Status
from picocore.tickets.models import CannedReply
from picocore.tickets.permissions import can_change_canned_reply, can_create_canned_reply
from picocore.tickets.selectors import canned_replies_managed, canned_replies_offered, canned_reply_get
from picocore.tickets.services.canned_replies import (
    CannedReplyFields,
    canned_reply_create,
    canned_reply_delete,
    canned_reply_update,
)
from tests.desk.conftest import DeskWorld, state

pytestmark = pytest.mark.django_db

HELLO = CannedReplyFields(name="Hello", body="Hi {requester_first_name}, we are on {ticket_key}.")


def trail() -> list[tuple[str | None, str, str, dict]]:
    rows = AuditEntry.objects.filter(content_type__model="cannedreply").select_related("actor").order_by("id")
    return [(e.actor.email if e.actor else None, e.action, e.object_repr, e.changes) for e in rows]


def names(replies) -> list[str]:
    return [reply.name for reply in replies]


def shared(world: DeskWorld) -> tuple[CannedReply, CannedReply]:
    """One reply the manager shares with everyone on the desk, one with Carla's Operations team."""
    everyone = canned_reply_create(
        actor=world.manager, fields=CannedReplyFields(name="Everyone", body="Hi."), shared=True
    )
    team = canned_reply_create(
        actor=world.manager, fields=CannedReplyFields(name="Operations", body="Hi."), shared=True, team=world.operations
    )
    return everyone, team


# --- Who keeps and sees which ------------------------------------------------------------------------------------


def test_a_consultants_personal_reply_is_theirs_alone(world):
    mine = canned_reply_create(actor=world.consultant, fields=HELLO)
    assert (mine.owner, mine.team, mine.kind, mine.active) == (world.consultant, None, CannedReplyKind.REPLY, True)
    assert names(canned_replies_offered(world.consultant)) == ["Hello"]
    for other in (world.outsider, world.manager):
        assert canned_replies_offered(other) == []
        assert canned_replies_managed(other) == []
        with pytest.raises(NotFound):
            canned_reply_get(actor=other, reply_id=mine.pk)
    assert canned_replies_offered(world.acme.requester) == []


def test_shared_replies_reach_everyone_on_the_desk_or_the_teams_members_only(world):
    _everyone, team = shared(world)
    assert names(canned_replies_offered(world.consultant)) == ["Everyone", "Operations"]
    assert names(canned_replies_offered(world.outsider)) == ["Everyone"]  # Otto is not in Operations
    with pytest.raises(NotFound):
        canned_reply_get(actor=world.outsider, reply_id=team.pk)
    # The manager looks after every shared reply, even of a team they are not in.
    assert names(canned_replies_managed(world.manager)) == ["Everyone", "Operations"]
    assert canned_replies_offered(world.acme.requester) == canned_replies_offered(world.developer) == []


def test_an_inactive_reply_is_managed_but_not_offered(world):
    reply = canned_reply_create(actor=world.consultant, fields=CannedReplyFields(name="Old", body="x", active=False))
    assert canned_replies_offered(world.consultant) == []
    assert canned_replies_managed(world.consultant) == [reply]


def test_only_service_managers_write_shared_replies_and_customers_none(world):
    for actor, shared_ in ((world.consultant, True), (world.acme.requester, False), (world.developer, False)):
        with pytest.raises(PermissionDenied):
            canned_reply_create(actor=actor, fields=HELLO, shared=shared_)
    with pytest.raises(PermissionDenied):
        canned_reply_create(actor=world.consultant, fields=HELLO, team=world.operations)  # personal has no team
    with pytest.raises(PermissionDenied):
        canned_reply_create(actor=world.manager, fields=HELLO, shared=True, team=world.acme_development)
    assert CannedReply.objects.count() == 0
    assert trail() == []


def test_who_changes_which(world):
    mine = canned_reply_create(actor=world.consultant, fields=HELLO)
    everyone, team = shared(world)
    assert can_change_canned_reply(world.consultant, mine)
    assert not can_change_canned_reply(world.manager, mine)  # nobody else's personal ones
    assert not can_change_canned_reply(world.consultant, everyone)
    assert can_change_canned_reply(world.manager, team)
    assert not can_create_canned_reply(world.acme.requester, shared=False)
    with pytest.raises(PermissionDenied):
        canned_reply_update(actor=world.consultant, reply=team, fields=HELLO)
    with pytest.raises(PermissionDenied):
        canned_reply_delete(actor=world.manager, reply=mine)
    assert CannedReply.objects.get(pk=team.pk).name == "Operations"
    assert CannedReply.objects.filter(pk=mine.pk).exists()


# --- Checked when saved --------------------------------------------------------------------------------------------


def test_an_unknown_placeholder_is_refused_when_saved_with_the_known_ones_listed(world):
    fields = CannedReplyFields(name="Typo", body="Hi {first_name} {ticket_key}", next_step="Call {requester}")
    with pytest.raises(ValidationError) as refused:
        canned_reply_create(actor=world.consultant, fields=fields)
    body_error = refused.value.field_errors["body"][0]
    assert body_error.startswith("Unknown placeholder {first_name}. Use one of: {requester_first_name}, ")
    assert "{ticket_key}" in body_error and body_error.endswith("(write {{ and }} for a brace).")
    assert refused.value.field_errors["next_step"][0].startswith("Unknown placeholder {requester}.")
    assert CannedReply.objects.count() == 0
    assert trail() == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (CannedReplyFields(name=" ", body="x"), "name", "Give the canned reply a name."),
        (CannedReplyFields(name="x" * 81, body="x"), "name", "A name has at most 80 characters."),
        (CannedReplyFields(name="x", body=" \x00 "), "body", "Write the text the reply fills in."),
        (CannedReplyFields(name="x", body="x" * 10_001), "body", "The text has at most 10000 characters."),
        (CannedReplyFields(name="x", body="x", kind="sms"), "kind", "Choose a public reply or an internal note."),
        (CannedReplyFields(name="x", body="x", status="new"), "status",
         "Choose a status a ticket can be moved to, or none."),
        (CannedReplyFields(name="x", body="x", status="resolved", kind="note"), "status",
         "Resolving tells the customer what was done: make it a public reply."),
        (CannedReplyFields(name="x", body="x", next_step_due_days=2), "next_step_due_days",
         "Say what the next step is, not only when."),
        (CannedReplyFields(name="x", body="x", next_step="Call", next_step_due_days=400), "next_step_due_days",
         "Expect the next step within 0 to 365 days."),
    ],
)  # fmt: skip
def test_bad_fields_are_refused_and_nothing_saved(world, fields, field, message):
    with pytest.raises(ValidationError) as refused:
        canned_reply_create(actor=world.consultant, fields=fields)
    assert refused.value.field_errors == {field: [message]}
    assert CannedReply.objects.count() == 0


def test_a_name_is_unique_within_its_scope_only(world):
    canned_reply_create(actor=world.consultant, fields=HELLO)
    with pytest.raises(ValidationError) as refused:
        canned_reply_create(actor=world.consultant, fields=HELLO)
    assert refused.value.field_errors == {"name": ["There already is a canned reply named “Hello” here."]}
    canned_reply_create(actor=world.outsider, fields=HELLO)
    canned_reply_create(actor=world.manager, fields=HELLO, shared=True)
    assert CannedReply.objects.count() == 3


# --- The audit trail -----------------------------------------------------------------------------------------------


def test_create_change_and_delete_are_audited_with_before_and_after(world):
    reply = canned_reply_create(actor=world.consultant, fields=HELLO)
    canned_reply_update(
        actor=world.consultant,
        reply=reply,
        fields=CannedReplyFields(name="Hello again", body=HELLO.body, status=Status.WAITING_ON_CUSTOMER),
    )
    same = CannedReplyFields(name="Hello again", body=HELLO.body, status=Status.WAITING_ON_CUSTOMER)
    canned_reply_update(actor=world.consultant, reply=reply, fields=same)
    canned_reply_delete(actor=world.consultant, reply=CannedReply.objects.get(pk=reply.pk))
    created, changed, deleted = trail()  # saving the same values again recorded nothing
    assert created[:3] == (world.consultant.email, "created", "Hello")
    assert created[3]["body"] == {"before": None, "after": HELLO.body}
    assert created[3]["owner"] == {"before": None, "after": world.consultant.pk}
    assert changed[:3] == (world.consultant.email, "changed", "Hello again")
    assert {k: v for k, v in changed[3].items() if k != "updated_at"} == {
        "name": {"before": "Hello", "after": "Hello again"},
        "status": {"before": "", "after": "waiting_on_customer"},
    }
    assert deleted[:3] == (world.consultant.email, "deleted", "Hello again")
    assert deleted[3]["name"] == {"before": "Hello again", "after": None}
    assert not CannedReply.objects.exists()


def test_a_manager_moves_a_shared_reply_to_a_team_and_a_personal_one_stays_personal(world):
    everyone, _team = shared(world)
    canned_reply_update(actor=world.manager, reply=everyone, fields=CannedReplyFields(name="Everyone", body="Hi."),
                        team=world.operations)  # fmt: skip
    assert CannedReply.objects.get(pk=everyone.pk).team == world.operations
    mine = canned_reply_create(actor=world.consultant, fields=HELLO)
    with pytest.raises(ValidationError):
        canned_reply_update(actor=world.consultant, reply=mine, fields=HELLO, team=world.operations)
    assert CannedReply.objects.get(pk=mine.pk).team is None


# --- Sending with a status and next step ------------------------------------------------------------------------


def test_a_reply_sent_with_status_and_next_step_applies_all_three_at_once(world):
    ticket = world.ticket
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    ticket_send(actor=world.consultant, ticket=ticket, public=True, body="Please send the log.", status="triaged",
                next_step="Send us the import log", next_step_due=dt.date(2030, 1, 3))  # fmt: skip
    ticket.refresh_from_db()
    assert (ticket.status, ticket.next_step, ticket.next_step_due) == (
        Status.TRIAGED,
        "Send us the import log",
        dt.date(2030, 1, 3),
    )
    kinds = list(ticket.events.order_by("-id").values_list("kind", flat=True)[:3])
    assert kinds == [EventKind.FIELD_CHANGED, EventKind.STATUS_CHANGED, EventKind.PUBLIC_REPLY]


def test_resolving_with_a_reply_takes_the_reply_as_the_resolution_note(world):
    ticket = world.ticket
    ticket_send(actor=world.consultant, ticket=ticket, public=True, body="Fixed.", status="in_progress")
    ticket_send(actor=world.consultant, ticket=ticket, public=True, body="The import runs again.", status="resolved")
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    resolved = ticket.events.filter(kind=EventKind.STATUS_CHANGED).order_by("-id").first()
    assert resolved.body == "The import runs again."


def test_a_status_the_ticket_cannot_move_to_sends_nothing(world):
    before = state()
    with pytest.raises(InvalidTransition) as refused:
        ticket_send(actor=world.consultant, ticket=world.ticket, public=True, body="Done.", status="resolved",
                    next_step="Confirm", submission="a" * 32)  # fmt: skip
    assert refused.value.message == (
        "ACME-1 is new and cannot become resolved. Allowed next: triaged, in progress, cancelled."
    )
    assert refused.value.allowed == (Status.TRIAGED, Status.IN_PROGRESS, Status.CANCELLED)
    assert state() == before
    assert len(mail.outbox) == before["mail"]


def test_resolving_with_an_internal_note_is_refused_and_adds_no_note(world):
    ticket_send(actor=world.consultant, ticket=world.ticket, public=True, body="On it.", status="in_progress")
    before = state()
    with pytest.raises(ValidationError):
        ticket_send(actor=world.consultant, ticket=world.ticket, public=False, body="Done.", status="resolved")
    assert state() == before
