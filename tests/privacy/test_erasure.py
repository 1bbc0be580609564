"""Erasure: afterwards the person's name and e-mail address are found in no text, character or JSON column of
any model, nor by the search indexes, while the SLA report's figures are what they were and the audit chain
still verifies; who may erase whom; blanking their texts; a second erasure changes nothing."""

import pytest
from django.urls import reverse

from picocore.audit.models import AuditAction, AuditEntry
from picocore.audit.verification import audit_verify
from picocore.cmdb.models import Contact
from picocore.core.errors import NotFound, ValidationError
from picocore.mail.models import InboundMessage
from picocore.outbox.models import OutboxEmail, OutboxStatus
from picocore.privacy.models import Erasure
from picocore.privacy.services.erasure import person_erase
from picocore.satisfaction.models import Rating
from picocore.tenancy.models import Membership, User
from picocore.tickets.fulltext import EVENT_INDEX, TICKET_INDEX
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.services import ticket_reply
from tests.conftest import prove_recently
from tests.privacy.conftest import OLE, OLE_EMAIL, PIA, PIA_EMAIL, People
from tests.privacy.traces import mentions, quote_her_everywhere, searched, sla_figures
from tests.reports.conftest import ReportWorld

pytestmark = pytest.mark.django_db


def test_after_erasure_her_name_and_address_are_nowhere_and_the_sla_figures_unchanged(
    client, named, report_world: ReportWorld, root
):
    pia = named
    quote_her_everywhere(report_world, pia, root)
    before = sla_figures(report_world)
    assert mentions(PIA, PIA_EMAIL)  # the walk finds what is there
    assert searched(Ticket, TICKET_INDEX, "Persondata") == [report_world.tickets["ACME-2"].pk]
    assert len(searched(TicketEvent, EVENT_INDEX, "Persondata")) == 1
    tickets_before = list(Ticket.objects.order_by("pk").values_list("pk", "status", "requester_id", "priority"))

    response = client.post(reverse("privacy:desk_erase", args=[pia.pk]), {"confirm": "yes"})

    erasure = Erasure.objects.get()
    assert response["Location"] == reverse("privacy:desk_erasure", args=[erasure.pk])
    assert mentions(PIA, PIA_EMAIL) == []
    assert searched(Ticket, TICKET_INDEX, "Persondata") == searched(TicketEvent, EVENT_INDEX, "Persondata") == []
    assert sla_figures(report_world) == before
    assert list(Ticket.objects.order_by("pk").values_list("pk", "status", "requester_id", "priority")) == tickets_before
    assert audit_verify().ok
    pia.refresh_from_db()
    assert (pia.full_name, pia.email, pia.is_active, pia.has_usable_password()) == (
        f"Former contact {pia.pk}",
        f"former-contact-{pia.pk}@erased.invalid",
        False,
        False,
    )
    assert not Membership.objects.filter(user=pia).exists()
    title = Ticket.objects.get(pk=report_world.tickets["ACME-2"].pk).title
    assert len(title) == 200 and title.endswith(" Former contact")
    outbox = OutboxEmail.objects.get(subject__startswith="Re: ACME-1")
    assert (outbox.status, outbox.to_address) == (OutboxStatus.WITHHELD, pia.email)
    assert Contact.objects.get(user=pia).phone == ""
    assert InboundMessage.objects.get().raw in (b"", memoryview(b""))
    assert erasure.counts["ended"]["memberships"] == 1
    assert erasure.counts["rewritten"]["tickets.TicketEvent"] == 1
    assert erasure.counts["rewritten"]["webhooks.Delivery"] == 1
    assert erasure.counts["rewritten"]["audit.AuditEntry"] >= 1
    report = client.get(response["Location"])
    assert report.status_code == 200
    assert "Memberships ended" in report.text and "Name and address rewritten: Timeline events" in report.text
    assert PIA not in report.text
    kept = AuditEntry.objects.get(object_repr=f"Erasure {erasure.pk}", action=AuditAction.CREATED)
    assert kept.changes["counts"]["after"] == erasure.counts


def test_a_customer_admin_erases_a_member_with_their_texts_blanked(client, people: People):
    client.force_login(people.acme.admin)
    prove_recently(client)
    ole_reply = TicketEvent.objects.get(actor=people.ole, kind="public_reply")
    response = client.post(reverse("privacy:portal_erase", args=[people.ole.pk]),
                           {"confirm": "yes", "blank_texts": "yes"})  # fmt: skip
    erasure = Erasure.objects.get()
    assert response["Location"] == reverse("privacy:portal_erasure", args=[erasure.pk])
    assert TicketEvent.objects.get(pk=ole_reply.pk).body == ""
    assert Rating.objects.get(requester=people.ole).comment == ""
    assert Rating.objects.get(requester=people.pia).comment == "Pia's comment."
    assert mentions(OLE, OLE_EMAIL) == []
    assert erasure.counts["blanked"]["replies"] == 2  # the request he created and his reply
    assert client.get(response["Location"]).status_code == 200
    again = client.post(reverse("privacy:portal_erase", args=[people.ole.pk]), {"confirm": "yes"})
    assert again.status_code == 404  # no longer a member: nothing more to do here
    assert Erasure.objects.count() == 1
    assert client.get(reverse("privacy:desk_erasure", args=[erasure.pk])).status_code == 404
    client.force_login(people.nord.admin)
    assert client.get(reverse("privacy:portal_erasure", args=[erasure.pk])).status_code == 404


def test_a_customer_admin_may_not_erase_a_freelancer_of_another_organisation(client, people: People):
    client.force_login(people.acme.admin)
    prove_recently(client)
    response = client.post(reverse("privacy:portal_erase", args=[people.pia.pk]), {"confirm": "yes"}, follow=True)
    assert "belongs to another organisation" in response.text
    people.pia.refresh_from_db()
    assert people.pia.full_name == PIA and not Erasure.objects.exists()
    with pytest.raises(ValidationError):
        person_erase(actor=people.acme.admin, subject_id=people.acme.admin.pk,
                     organisation_id=people.acme.organisation.pk, blank_texts=False)  # fmt: skip
    with pytest.raises(NotFound):
        person_erase(actor=people.nord.admin, subject_id=people.ole.pk, organisation_id=people.nord.organisation.pk,
                     blank_texts=False)  # fmt: skip
    with pytest.raises(NotFound):
        person_erase(actor=people.consultant, subject_id=people.ole.pk, organisation_id=None, blank_texts=False)


def test_an_unconfirmed_or_unproved_erasure_changes_nothing(client, people: People):
    client.force_login(people.acme.admin)
    url = reverse("privacy:portal_erase", args=[people.ole.pk])
    assert client.post(url, {"confirm": "yes"})["Location"].startswith(reverse("accounts:step_up"))
    prove_recently(client)
    response = client.post(url, {}, follow=True)
    assert "Tick the box to confirm" in response.text
    people.ole.refresh_from_db()
    assert people.ole.full_name == OLE and not Erasure.objects.exists()


def test_an_administrator_erasing_twice_gets_the_first_record(root, people: People):
    first = person_erase(actor=root, subject_id=people.pia.pk, organisation_id=None, blank_texts=False)
    second = person_erase(actor=root, subject_id=people.pia.pk, organisation_id=None, blank_texts=True)
    assert first.pk == second.pk and Erasure.objects.count() == 1
    assert mentions(PIA, PIA_EMAIL) == []
    with pytest.raises(NotFound):
        person_erase(actor=root, subject_id=root.pk, organisation_id=None, blank_texts=False)


def test_a_long_name_with_odd_characters_is_erased_everywhere(root, people: People):
    name = ("Zoë O'Brien-Ünïcødé 名前 " * 8)[:150].strip()
    User.objects.filter(pk=people.ole.pk).update(full_name=name)
    ticket_reply(actor=people.consultant, ticket=people.ole_ticket, body=f"Thanks, {name}!")
    Ticket.objects.filter(pk=people.ole_ticket.pk).update(title=name[:200])
    person_erase(actor=root, subject_id=people.ole.pk, organisation_id=None, blank_texts=False)
    assert mentions(name, OLE_EMAIL) == []
    assert TicketEvent.objects.filter(body=f"Thanks, Former contact {people.ole.pk}!").count() == 1
