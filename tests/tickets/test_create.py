import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.tickets.choices import Channel, EventKind, Status
from picocore.tickets.models import Attachment, Ticket, TicketEvent
from tests import factories
from tests.conftest import make_customer

pytestmark = pytest.mark.django_db


def test_create_assigns_key_priority_owner_and_created_event(acme, operations_team):
    ticket = acme.ticket()
    assert ticket.key == "ACME-1"
    assert ticket.number == 1
    assert (ticket.priority, ticket.priority_reason) == (2, "High impact × Medium urgency → P2")
    assert ticket.status == Status.NEW
    assert ticket.team == operations_team
    assert ticket.assignee is None
    assert ticket.channel == Channel.WEB
    events = list(ticket.events.values_list("kind", "public", "actor_id"))
    assert events == [(EventKind.CREATED, True, acme.requester.pk)]


def test_keys_count_per_organisation_and_are_never_reused(acme, nord):
    assert [acme.ticket().key for _ in range(3)] == ["ACME-1", "ACME-2", "ACME-3"]
    assert nord.ticket().key == "NORD-1"
    acme.organisation.refresh_from_db()
    assert acme.organisation.last_ticket_number == 3


def test_invalid_input_saves_nothing_and_uses_no_number(acme):
    with pytest.raises(ValidationError) as error:
        acme.ticket(title="  ", description="", impact="huge")
    assert set(error.value.field_errors) == {"title", "description", "impact"}
    assert Ticket.objects.count() == 0 and TicketEvent.objects.count() == 0
    acme.organisation.refresh_from_db()
    assert acme.organisation.last_ticket_number == 0
    assert acme.ticket().key == "ACME-1"


def test_another_organisations_solution_is_refused(acme, nord):
    with pytest.raises(ValidationError) as error:
        acme.ticket(solution=nord.solution, environment=nord.production)
    assert set(error.value.field_errors) == {"solution", "environment"}
    assert Ticket.objects.count() == 0


def test_environment_must_belong_to_the_chosen_solution(acme):
    other = factories.SolutionFactory(organisation=acme.organisation, name="Acme Web")
    with pytest.raises(ValidationError) as error:
        acme.ticket(solution=other, environment=acme.production)
    assert "is not an environment of Acme Web" in error.value.field_errors["environment"][0]


def test_request_type_not_in_the_tier_is_refused(acme):
    not_offered = factories.RequestTypeFactory(name="Guidance")
    with pytest.raises(ValidationError) as error:
        acme.ticket(request_type=not_offered)
    assert "request_type" in error.value.field_errors
    assert Ticket.objects.count() == 0


def test_non_member_cannot_file_for_an_organisation(acme, nord):
    with pytest.raises(NotFound):
        acme.ticket(by=nord.requester)
    assert Ticket.objects.count() == 0


def test_customer_cannot_file_on_behalf_of_a_colleague(acme):
    with pytest.raises(PermissionDenied):
        acme.ticket(actor=acme.admin, requester=acme.requester)


def test_staff_can_file_a_phone_ticket_for_a_contact(acme, consultant):
    ticket = acme.ticket(actor=consultant, requester=acme.requester, channel=Channel.PHONE)
    assert (ticket.requester, ticket.channel) == (acme.requester, Channel.PHONE)
    assert ticket.events.get().actor == consultant


def test_no_contract_in_force_refuses(operations_team):
    customer = make_customer("GONE", operations_team)
    customer.organisation.contracts.update(ends_on="2020-12-31")
    with pytest.raises(PermissionDenied):
        customer.ticket()


def test_attachments_are_stored_with_the_created_event(acme):
    upload = SimpleUploadedFile("screen shot.png", b"\x89PNG fake", content_type="text/html")
    ticket = acme.ticket(files=[upload])
    attachment = Attachment.objects.get()
    assert attachment.ticket == ticket
    assert attachment.event.kind == EventKind.CREATED
    assert attachment.filename == "screen_shot.png"
    assert attachment.content_type == "image/png"  # derived from the name, not the client's claim
    assert attachment.size == 9
    assert attachment.file.read() == b"\x89PNG fake"
    assert attachment.organisation == acme.organisation
