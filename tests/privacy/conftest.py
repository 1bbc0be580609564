"""Two people of ACME on the same requests, one of them also a freelancer for Nord, each with replies,
attachments, ratings, decisions, notifications and subscriptions of their own; and the reports' SLA history."""

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from picocore.changes.choices import Decision, DecisionChannel
from picocore.changes.models import CustomerDecision
from picocore.changes.services import change_create
from picocore.cmdb.models import Contact
from picocore.notifications.models import Notification, NotificationPreference
from picocore.satisfaction.models import Rating
from picocore.tenancy.choices import MembershipRole, RequestVisibility
from picocore.tenancy.models import Organisation, User
from picocore.tickets.models import Ticket, TicketEvent, TicketWatcher
from picocore.tickets.services import ticket_reply
from tests import factories
from tests.conftest import Customer
from tests.reports import conftest as reports

clock = reports.clock
office = reports.office
report_world = reports.report_world

PIA = "Pia Persondata"
PIA_EMAIL = "pia.persondata@acme.test"
OLE = "Ole Otherperson"
OLE_EMAIL = "ole.otherperson@acme.test"


@dataclass
class People:
    acme: Customer
    nord: Customer
    consultant: User
    pia: User
    ole: User
    pia_ticket: Ticket
    ole_ticket: Ticket
    nord_ticket: Ticket
    pia_reply: TicketEvent
    pia_nord_reply: TicketEvent


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def _rate(ticket: Ticket, event: TicketEvent, person: User, score: int, comment: str) -> Rating:
    return Rating.objects.create(organisation_id=ticket.organisation_id, ticket=ticket, resolution=event,
                                 requester=person, score=score, comment=comment)  # fmt: skip


def _decide(customer: Customer, consultant: User, person: User, reason: str) -> CustomerDecision:
    change = change_create(actor=consultant, organisation_id=customer.organisation.pk, change_type="normal",
                           title=f"Upgrade decided by {person.pk}", reason="The vendor ends support.")  # fmt: skip
    contact = Contact.objects.create(organisation=customer.organisation, role="approver", name=person.full_name,
                                     email=person.email, phone="+45 12 34 56 78", user=person)  # fmt: skip
    return CustomerDecision.objects.create(organisation=customer.organisation, change=change, contact=contact,
                                           user=person, round=1, decision=Decision.REJECTED, reason=reason,
                                           channel=DecisionChannel.PORTAL)  # fmt: skip


@pytest.fixture
def people(acme: Customer, nord: Customer, consultant: User) -> People:
    Organisation.objects.filter(pk=acme.organisation.pk).update(request_visibility=RequestVisibility.ORGANISATION)
    pia = acme.requester
    User.objects.filter(pk=pia.pk).update(full_name=PIA, email=PIA_EMAIL)
    pia.refresh_from_db()
    ole = factories.UserFactory(full_name=OLE, email=OLE_EMAIL)
    factories.MembershipFactory(user=ole, organisation=acme.organisation, role=MembershipRole.REQUESTER)
    factories.MembershipFactory(user=pia, organisation=nord.organisation, role=MembershipRole.REQUESTER)

    pia_ticket = acme.ticket(by=pia, title="Pia's images missing", description="Pia wrote: the images are gone.",
                             files=[upload("pia-screen.txt", b"pia's screenshot")])  # fmt: skip
    ole_ticket = acme.ticket(by=ole, title="Ole's search slow", description="Ole wrote: searching takes a minute.",
                             files=[upload("ole-log.txt", b"ole's log")])  # fmt: skip
    nord_ticket = nord.ticket(by=pia, title="Nord feed stalled", description="Pia, for Nord: the feed stopped.")
    ticket_reply(actor=consultant, ticket=pia_ticket, body="Consultant's answer to Pia.")
    ticket_reply(actor=ole, ticket=pia_ticket, body="Ole's reply on Pia's request.",
                 files=[upload("ole-extra.txt", b"ole's extra")])  # fmt: skip
    pia_reply = ticket_reply(actor=pia, ticket=ole_ticket, body="Pia's reply on Ole's request.",
                             files=[upload("pia-extra.txt", b"pia's extra")])  # fmt: skip
    pia_nord_reply = ticket_reply(actor=pia, ticket=nord_ticket, body="Pia's reply for Nord.")
    ole_reply = TicketEvent.objects.filter(ticket=pia_ticket, actor=ole).get()
    _rate(pia_ticket, pia_reply, pia, 4, "Pia's comment.")
    _rate(ole_ticket, ole_reply, ole, 2, "Ole's comment.")
    _decide(acme, consultant, pia, "Pia's reason.")
    _decide(acme, consultant, ole, "Ole's reason.")
    Notification.objects.create(user=pia, ticket=pia_ticket, kind="reply", key="pia-1", title="Pia's notice",
                                body="A reply for Pia.")  # fmt: skip
    Notification.objects.create(user=ole, ticket=pia_ticket, kind="reply", key="ole-1", title="Ole's notice",
                                body="A reply for Ole.")  # fmt: skip
    Notification.objects.create(user=pia, ticket=nord_ticket, kind="reply", key="pia-nord", title="Pia's Nord notice")
    TicketWatcher.objects.create(ticket=ole_ticket, user=pia, organisation=acme.organisation)
    TicketWatcher.objects.create(ticket=pia_ticket, user=ole, organisation=acme.organisation)
    NotificationPreference.objects.create(user=pia, kind="status", channel="email")
    NotificationPreference.objects.create(user=ole, kind="status", channel="in_app")
    return People(acme, nord, consultant, pia, ole, pia_ticket, ole_ticket, nord_ticket, pia_reply, pia_nord_reply)


@pytest.fixture
def named(acme: Customer) -> User:
    """ACME's requester, named before the SLA history is written (so that its texts could quote her)."""
    User.objects.filter(pk=acme.requester.pk).update(full_name=PIA, email=PIA_EMAIL)
    acme.requester.refresh_from_db()
    return acme.requester
