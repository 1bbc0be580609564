"""Erasure: afterwards the person's name and e-mail address are found in no text, character or JSON column of
any model, nor by the search indexes, while the SLA report's figures are what they were and the audit chain
still verifies; who may erase whom; blanking their texts; a second erasure changes nothing."""

import datetime as dt
import json
from collections.abc import Callable

import pytest
from django.apps import apps
from django.db import models
from django.db.models.functions import Cast
from django.urls import reverse

from picocore.audit.models import AuditAction, AuditEntry
from picocore.audit.services import audit_record
from picocore.audit.verification import audit_verify
from picocore.cmdb.models import Contact
from picocore.core.errors import NotFound, ValidationError
from picocore.core.fulltext import TextMatch, TextQuery
from picocore.mail.models import InboundMessage
from picocore.notifications.models import Notification
from picocore.outbox.models import OutboxEmail, OutboxStatus
from picocore.privacy.models import Erasure
from picocore.privacy.services.erasure import person_erase
from picocore.reports.selectors import ReportFilters, sla_compliance_report
from picocore.satisfaction.models import Rating
from picocore.tenancy.models import Membership, User
from picocore.tickets.fulltext import EVENT_INDEX, TICKET_INDEX
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.services import ticket_reply
from picocore.webhooks.models import Delivery, DeliveryAttempt, Subscription
from tests.conftest import Customer, prove_recently
from tests.privacy.conftest import OLE, OLE_EMAIL, PIA, PIA_EMAIL, People
from tests.reports.conftest import REPORT_TIME, ReportWorld

pytestmark = pytest.mark.django_db


def mentions(*texts: str, scope: Callable[[type[models.Model]], models.QuerySet | None] | None = None) -> list[str]:
    """Every column of every model (text, character, JSON) that holds any of `texts`, in any case; with `scope`,
    only in the rows it gives for each model (None: none of that model's)."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        scoped = model._base_manager.all() if scope is None else scope(model)
        if scoped is None:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField | models.JSONField):
                continue
            rows, lookup = scoped, field.attname
            if isinstance(field, models.JSONField):
                rows, lookup = rows.annotate(walked=Cast(field.attname, models.TextField())), "walked"
            for text in texts:
                for form in {text, json.dumps(text)[1:-1]}:
                    if rows.filter(**{f"{lookup}__icontains": form}).exists():
                        found.append(f"{model._meta.label}.{field.name}")
    return sorted(set(found))


def searched(model, index, word: str) -> list[int]:
    return list(model.objects.filter(TextMatch(index, TextQuery.parse(word))).values_list("pk", flat=True))


def sla_figures(world: ReportWorld):
    filters = ReportFilters(month_from=dt.date(2026, 7, 1), month_to=dt.date(2026, 12, 1))
    return [sla_compliance_report(actor=world.manager, filters=filters, now=REPORT_TIME).rows,
            sla_compliance_report(actor=world.manager, filters=ReportFilters(
                month_from=dt.date(2026, 7, 1), month_to=dt.date(2026, 12, 1), group_by="month"),
                now=REPORT_TIME).rows]  # fmt: skip


@pytest.fixture
def named(acme: Customer) -> User:
    """ACME's requester, named before the SLA history is written (so that its texts could quote her)."""
    User.objects.filter(pk=acme.requester.pk).update(full_name=PIA, email=PIA_EMAIL)
    acme.requester.refresh_from_db()
    return acme.requester


def quote_her_everywhere(world: ReportWorld, pia: User, root: User) -> None:
    tickets = world.tickets
    ticket_reply(actor=world.consultant, ticket=tickets["ACME-1"], body=f"Dear {PIA}, we wrote to {PIA_EMAIL}.")
    Ticket.objects.filter(pk=tickets["ACME-2"].pk).update(title=("Slow search " * 20)[:185] + f" {PIA}")
    OutboxEmail.objects.create(
        ticket=tickets["ACME-1"],
        organisation=world.acme.organisation,
        recipient=pia,
        to_address=PIA_EMAIL,
        subject=f"Re: ACME-1 for {PIA}",
        body_text=f"Hello {PIA},",
        headers={"To": f"{PIA} <{PIA_EMAIL}>"},
        kind="reply",
        status=OutboxStatus.PENDING,
    )
    Notification.objects.create(user=world.consultant, ticket=tickets["ACME-1"], kind="customer_reply", key="q-1",
                                title=f"{PIA} replied", body=f"{PIA_EMAIL.upper()} wrote again.")  # fmt: skip
    InboundMessage.objects.create(
        dedup_key="quote-1",
        message_id="<q1@acme.test>",
        content_hash="0" * 64,
        raw=f"From: {PIA} <{PIA_EMAIL}>\r\n\r\nHi".encode(),
        size=40,
        source="pipe",
        envelope_sender=PIA_EMAIL,
        recipients=["support@picocore.test"],
        from_address=PIA_EMAIL,
        subject="Images",
        status="processed",
        data={"headers": {"From": f"{PIA} <{PIA_EMAIL}>"}},
        body_text=f"-- \n{PIA}",
        organisation=world.acme.organisation,
        sender=pia,
        ticket=tickets["ACME-1"],
    )
    subscription = Subscription.objects.create(name="CRM", url="https://crm.example.test/hook", events=["*"],
                                               secret_sealed="sealed")  # fmt: skip
    payload = {"ticket": {"requester": {"name": PIA, "email": PIA_EMAIL}}}
    delivery = Delivery.objects.create(subscription=subscription, event_type="ticket.created", event_id="e-1",
                                       msg_id="msg_1", payload=payload)  # fmt: skip
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=1,
        started_at=REPORT_TIME,
        latency_ms=5,
        request_headers={"webhook-id": "msg_1"},
        request_body=json.dumps(payload),
    )
    audit_record(actor=root, action=AuditAction.CHANGED, instance=pia,
                 changes={"full_name": {"before": "ACME Requester", "after": PIA}})  # fmt: skip
    Contact.objects.create(organisation=world.acme.organisation, role="technical", name=PIA, email=PIA_EMAIL,
                           phone="+45 11 22 33 44", user=pia)  # fmt: skip


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
