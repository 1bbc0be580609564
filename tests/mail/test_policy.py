"""Who may file by e-mail and for which organisation: the policy for unknown senders, sender domains,
people in several organisations, and the request type of an e-mailed request."""

import pytest

from picocore.audit.models import AuditEntry
from picocore.catalog.choices import Impact, TicketType, Urgency
from picocore.mail.models import (
    DomainMapping,
    InboundStatus,
    MailPolicy,
    Outcome,
    RecipientMapping,
    UnknownSenders,
)
from picocore.mail.services import email_request_type
from picocore.tenancy.choices import MembershipRole, StaffRole
from picocore.tenancy.models import Membership, User
from picocore.tickets.models import Ticket
from tests import factories

pytestmark = pytest.mark.django_db


def new_request(sender: str, *, to: str = "support@picocore.example", number: int = 1) -> bytes:
    return (
        f"From: Someone <{sender}>\nTo: {to}\nSubject: Export broken\nMessage-ID: <req-{number}@{sender}>\n"
        "Content-Type: text/plain; charset=utf-8\n\nThe export stopped at 03:00.\n"
    ).encode()


def use_policy(**values) -> MailPolicy:
    policy = MailPolicy.current()
    for name, value in values.items():
        setattr(policy, name, value)
    policy.save()
    return policy


def test_by_default_mail_from_an_unknown_sender_is_held(world, deliver):
    message = deliver(new_request("carol@acme.example"))
    assert (message.status, message.outcome, message.reason) == (
        InboundStatus.HELD, Outcome.UNKNOWN_SENDER, "Held: carol@acme.example is not a known contact.",
    )  # fmt: skip
    assert not User.objects.filter(email="carol@acme.example").exists()


def test_the_reject_policy_records_the_message_and_creates_nothing(world, deliver):
    use_policy(unknown_senders=UnknownSenders.REJECT)
    message = deliver(new_request("spam@spam.example"))
    assert (message.status, message.outcome) == (InboundStatus.IGNORED, Outcome.REJECTED)
    assert (Ticket.objects.count(), User.objects.filter(email="spam@spam.example").exists()) == (1, False)


def test_a_mapped_domain_creates_the_contact_and_their_ticket(world, deliver):
    use_policy(unknown_senders=UnknownSenders.CREATE_CONTACT)
    DomainMapping.objects.create(domain="ACME.example", organisation=world.acme.organisation)
    message = deliver(new_request("Carol@ACME.example"))

    carol = User.objects.get(email="carol@acme.example")
    assert (carol.full_name, carol.has_usable_password(), carol.default_organisation) == (
        "Someone", False, world.acme.organisation,
    )  # fmt: skip
    assert list(Membership.objects.filter(user=carol).values_list("organisation", "role")) == [
        (world.acme.organisation.pk, MembershipRole.REQUESTER)
    ]
    assert (message.status, message.ticket.key, message.ticket.requester) == (InboundStatus.PROCESSED, "ACME-2", carol)
    entry = AuditEntry.objects.get(object_id=str(carol.pk))
    assert (entry.actor, entry.action, entry.changes["membership"]["after"]) == (
        None,
        "created",
        "Acme Ltd (requester)",
    )


def test_an_unmapped_domain_is_held_under_the_create_contact_policy(world, deliver):
    use_policy(unknown_senders=UnknownSenders.CREATE_CONTACT)
    message = deliver(new_request("dora@elsewhere.example"))
    assert (message.status, message.reason) == (
        InboundStatus.HELD,
        "Held: dora@elsewhere.example is not a known contact and elsewhere.example is not mapped to an organisation.",
    )


def test_a_deactivated_account_is_held(world, deliver):
    world.anna.is_active = False
    world.anna.save()
    message = deliver(new_request("anna@acme.example"))
    assert (message.status, message.reason) == (
        InboundStatus.HELD,
        "Held: anna@acme.example belongs to a deactivated account.",
    )


def test_a_member_of_staff_is_held_not_filed(world, deliver, consultant):
    consultant.email = "carla@picocore.example"
    consultant.save()
    message = deliver(new_request("carla@picocore.example"))
    assert (message.status, message.outcome, message.reason) == (
        InboundStatus.HELD, Outcome.NO_ORGANISATION,
        "Held: carla@picocore.example is a member of the service team, not a customer contact.",
    )  # fmt: skip


class TestSeveralOrganisations:
    @pytest.fixture
    def freelancer(self, world) -> User:
        person = factories.UserFactory(email="freya@freelance.example", full_name="Freya")
        for org in (world.acme.organisation, world.nord.organisation):
            factories.MembershipFactory(user=person, organisation=org)
        return person

    def test_without_a_default_or_a_mapped_address_the_message_is_held(self, world, deliver, freelancer):
        message = deliver(new_request("freya@freelance.example"))
        assert (message.status, message.outcome) == (InboundStatus.HELD, Outcome.NO_ORGANISATION)
        assert message.reason == (
            "Held: freya@freelance.example belongs to several organisations (Acme Ltd, Nord Ltd), has no default "
            "organisation, and the message was not sent to an address mapped to one of them."
        )

    def test_the_default_organisation_is_used(self, world, deliver, freelancer):
        freelancer.default_organisation = world.nord.organisation
        freelancer.save()
        message = deliver(new_request("freya@freelance.example"))
        assert message.ticket.organisation == world.nord.organisation

    def test_the_address_written_to_wins_over_the_default(self, world, deliver, freelancer):
        freelancer.default_organisation = world.nord.organisation
        freelancer.save()
        RecipientMapping.objects.create(address="ACME-support@picocore.example", organisation=world.acme.organisation)
        message = deliver(new_request("freya@freelance.example", to="acme-support@picocore.example"))
        assert message.ticket.organisation == world.acme.organisation

    def test_a_mapped_address_of_an_organisation_they_do_not_belong_to_changes_nothing(
        self, world, deliver, freelancer
    ):
        other = factories.OrganisationFactory(name="Other")
        RecipientMapping.objects.create(address="other@picocore.example", organisation=other)
        freelancer.default_organisation = world.nord.organisation
        freelancer.save()
        message = deliver(new_request("freya@freelance.example", to="other@picocore.example"))
        assert message.ticket.organisation == world.nord.organisation


class TestRequestType:
    def test_the_first_offered_incident_type_then_the_first_service_request_type(self, world):
        tier = world.acme.organisation.contracts.get().tier
        earlier = factories.RequestTypeFactory(ticket_type=TicketType.SERVICE_REQUEST, position=1)
        later_incident = factories.RequestTypeFactory(ticket_type=TicketType.INCIDENT, position=500)
        tier.request_types.add(earlier, later_incident)
        policy = MailPolicy.current()
        assert email_request_type(organisation=world.acme.organisation, policy=policy) == world.acme.incident
        tier.request_types.remove(world.acme.incident, later_incident)
        assert email_request_type(organisation=world.acme.organisation, policy=policy) == earlier

    def test_the_policys_choice_when_the_subscription_offers_it(self, world):
        service = factories.RequestTypeFactory(ticket_type=TicketType.SERVICE_REQUEST, position=900)
        policy = use_policy(request_type=service)
        assert email_request_type(organisation=world.acme.organisation, policy=policy) == world.acme.incident
        world.acme.organisation.contracts.get().tier.request_types.add(service)
        assert email_request_type(organisation=world.acme.organisation, policy=policy) == service

    def test_the_request_types_defaults_set_the_priority(self, world, deliver):
        incident = world.acme.incident
        incident.default_impact, incident.default_urgency = Impact.MEDIUM, Urgency.HIGH
        incident.save()
        ticket = deliver(new_request("anna@acme.example")).ticket
        assert (ticket.request_type, ticket.impact, ticket.urgency, ticket.priority) == (
            incident, Impact.MEDIUM, Urgency.HIGH, 2,
        )  # fmt: skip

    def test_no_suitable_request_type_holds_the_message(self, world, deliver):
        world.acme.organisation.contracts.get().tier.request_types.clear()
        message = deliver(new_request("anna@acme.example"))
        assert (message.status, message.reason) == (
            InboundStatus.HELD, "Held: Acme Ltd's subscription offers no incident or service request type.",
        )  # fmt: skip


def test_an_organisation_without_a_contract_in_force_is_held(world, deliver):
    world.acme.organisation.contracts.all().delete()
    message = deliver(new_request("anna@acme.example"))
    assert message.status == InboundStatus.HELD
    assert message.reason == "Held: Acme Ltd's subscription offers no incident or service request type."


def test_staff_roles_cannot_be_tricked_into_customer_scope(world, deliver):
    """A service manager sees every ticket in the desk, but by e-mail they are not a customer of ACME."""
    manager = factories.StaffFactory(email="boss@picocore.example", staff_role=StaffRole.SERVICE_MANAGER)
    raw = (
        f"From: {manager.email}\nTo: support@picocore.example\nSubject: Re: [ACME-1] x\nMessage-ID: <m@x>\n\nHi\n"
    ).encode()
    message = deliver(raw)
    assert (message.status, message.ticket) == (InboundStatus.HELD, None)
    assert message.data["refused"] == [{"ticket": "ACME-1", "by": "subject"}]
