import pytest

from picocore.core.errors import InvalidTransition, PermissionDenied, ValidationError
from picocore.tickets import services
from picocore.tickets.choices import EventKind, Status
from picocore.tickets.models import TicketEvent
from picocore.tickets.selectors import public_timeline
from picocore.tickets.services import (
    ticket_assign,
    ticket_confirm_resolution,
    ticket_reopen,
    ticket_reply,
    ticket_set_next_step,
    ticket_transition,
)

pytestmark = pytest.mark.django_db


def test_timeline_records_each_change_in_order_with_before_and_after(acme, consultant, operations_team):
    ticket = acme.ticket()
    ticket_assign(actor=consultant, ticket=ticket, team=operations_team, assignee=consultant)
    ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
    ticket_reply(actor=consultant, ticket=ticket, body="Looking into it.")
    ticket_set_next_step(actor=consultant, ticket=ticket, text="Re-run the export", due=None)
    rows = list(ticket.events.order_by("id").values_list("kind", "actor_id", "data"))
    assert rows == [
        (EventKind.CREATED, acme.requester.pk,
         {"priority": 2, "priority_reason": "High impact × Medium urgency → P2", "channel": "web"}),
        (EventKind.FIELD_CHANGED, consultant.pk,
         {"field": "owner", "before": {"team": operations_team.pk, "assignee": None},
          "after": {"team": operations_team.pk, "assignee": consultant.pk},
          "before_label": "Operations", "after_label": "Carla Consultant, Operations"}),
        (EventKind.STATUS_CHANGED, consultant.pk, {"field": "status", "before": "new", "after": "in_progress"}),
        (EventKind.PUBLIC_REPLY, consultant.pk, {}),
        (EventKind.FIELD_CHANGED, consultant.pk,
         {"field": "next_step", "before": {"next_step": "", "next_step_due": None},
          "after": {"next_step": "Re-run the export", "next_step_due": None}}),
    ]  # fmt: skip


def test_customer_view_shows_only_public_events(acme):
    ticket = acme.ticket()
    TicketEvent.objects.create(
        ticket=ticket, organisation=ticket.organisation, kind=EventKind.INTERNAL_NOTE, public=False, body="secret"
    )
    assert [e.kind for e in public_timeline(ticket)] == [EventKind.CREATED]


def test_events_cannot_be_changed_or_deleted(acme):
    event = acme.ticket().events.get()
    event.body = "rewritten"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        TicketEvent.objects.filter(pk=event.pk).update(body="rewritten")
    with pytest.raises(TypeError):
        TicketEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.body == "Since this morning."


def test_the_service_layer_offers_no_way_to_edit_or_delete_events():
    names = [name for name in dir(services) if name.startswith("ticket_")]
    assert not [name for name in names if any(word in name for word in ("delete", "edit", "update_event"))]


def test_customer_reply_to_a_ticket_waiting_on_them_hands_it_back(acme, consultant):
    ticket = acme.ticket()
    for status in (Status.TRIAGED, Status.WAITING_ON_CUSTOMER):
        ticket_transition(actor=consultant, ticket=ticket, to=status)
    ticket_reply(actor=acme.requester, ticket=ticket, body="Here is the list.")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert list(ticket.events.values_list("kind", flat=True))[-2:] == [EventKind.PUBLIC_REPLY, EventKind.STATUS_CHANGED]


def test_empty_reply_is_refused_and_nothing_recorded(acme):
    ticket = acme.ticket()
    with pytest.raises(ValidationError) as error:
        ticket_reply(actor=acme.requester, ticket=ticket, body="   ")
    assert error.value.field_errors == {"body": ["Write a reply or attach a file before sending."]}
    assert ticket.events.count() == 1


def _resolve(ticket, consultant):
    ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
    ticket_transition(actor=consultant, ticket=ticket, to=Status.RESOLVED, note="Fixed the export.")


def test_customer_confirms_a_resolution(acme, consultant):
    ticket = acme.ticket()
    _resolve(ticket, consultant)
    ticket = ticket_confirm_resolution(actor=acme.requester, ticket=ticket)
    assert ticket.status == Status.CLOSED and ticket.closed_at is not None


def test_customer_reopens_with_a_reason(acme, consultant):
    ticket = acme.ticket()
    _resolve(ticket, consultant)
    with pytest.raises(ValidationError):
        ticket_reopen(actor=acme.requester, ticket=ticket, reason="")
    ticket = ticket_reopen(actor=acme.requester, ticket=ticket, reason="Still broken for DE.")
    assert ticket.status == Status.IN_PROGRESS and ticket.resolved_at is None
    assert ticket.events.last().body == "Still broken for DE."


def test_customer_cannot_make_staff_transitions(acme):
    ticket = acme.ticket()
    with pytest.raises(PermissionDenied):
        ticket_transition(actor=acme.requester, ticket=ticket, to=Status.CANCELLED)
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.events.count() == 1


def test_illegal_transition_lists_what_is_allowed(acme, consultant):
    ticket = acme.ticket()
    with pytest.raises(InvalidTransition) as error:
        ticket_transition(actor=consultant, ticket=ticket, to=Status.CLOSED)
    assert error.value.message == (
        "ACME-1 is new and cannot become closed. Allowed next: triaged, in progress, cancelled."
    )
    assert error.value.allowed == (Status.TRIAGED, Status.IN_PROGRESS, Status.CANCELLED)


def test_resolving_needs_a_note(acme, consultant):
    ticket = acme.ticket()
    ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
    with pytest.raises(ValidationError):
        ticket_transition(actor=consultant, ticket=ticket, to=Status.RESOLVED, note=" ")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_closed_ticket_takes_no_replies(acme, consultant):
    ticket = acme.ticket()
    _resolve(ticket, consultant)
    ticket_confirm_resolution(actor=acme.requester, ticket=ticket)
    with pytest.raises(InvalidTransition):
        ticket_reply(actor=acme.requester, ticket=ticket, body="One more thing")


def test_files_without_text_are_recorded_as_attachment_added(acme):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = acme.ticket()
    event = ticket_reply(actor=acme.requester, ticket=ticket, body="", files=[SimpleUploadedFile("log.txt", b"x")])
    assert event.kind == EventKind.ATTACHMENT_ADDED
    assert [a.filename for a in event.attachments.all()] == ["log.txt"]
