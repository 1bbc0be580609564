"""Finding a person's traces: every column of every model that quotes them (optionally only in some rows),
what the full-text indexes find, the SLA report's figures, and a history that quotes them everywhere."""

import datetime as dt
import json
from collections.abc import Callable

from django.apps import apps
from django.db import models
from django.db.models.functions import Cast

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record
from picocore.cmdb.models import Contact
from picocore.core.fulltext import TextMatch, TextQuery
from picocore.mail.models import InboundMessage
from picocore.notifications.models import Notification
from picocore.outbox.models import OutboxEmail, OutboxStatus
from picocore.reports.selectors import ReportFilters, sla_compliance_report
from picocore.tenancy.models import User
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_reply
from picocore.webhooks.models import Delivery, DeliveryAttempt, Subscription
from tests.privacy.conftest import PIA, PIA_EMAIL
from tests.reports.conftest import REPORT_TIME, ReportWorld


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


def request_pages(key: str, *, staff: User, customer: User) -> dict[str, str]:
    """What is shown of the request `key`, by name: to `staff` its desk page (with its timeline), the desk's
    search for it, and the API's detail, timeline and list of its organisation's closed requests; to `customer`
    (who sees all of its organisation's requests) its portal page and the rows of the portal's list of closed
    requests (without the filters above it, which name the organisation's members)."""
    from django.test import Client
    from django.urls import reverse

    from tests.api.conftest import Api

    organisation_id = Ticket.objects.get(key=key).organisation_id
    desk, portal, api = Client(), Client(), Api(staff)
    desk.force_login(staff)
    portal.force_login(customer)
    listed = portal.get(reverse("portal:requests"), {"status": "closed", "show": "organisation"}).text
    shown = {
        "desk page": desk.get(reverse("desk:ticket", args=[key])),
        "desk search": desk.get(reverse("desk:search"), {"q": key}),
        "API detail": api.get(reverse("api:v1:ticket", args=[key])),
        "API timeline": api.get(reverse("api:v1:ticket-timeline", args=[key])),
        "API list": api.get(reverse("api:v1:tickets"), status="closed", organisation=str(organisation_id)),
        "portal page": portal.get(reverse("portal:request", args=[key])),
    }
    statuses = {name: response.status_code for name, response in shown.items()}
    assert statuses == dict.fromkeys(shown, 200), statuses
    texts = {name: response.content.decode() for name, response in shown.items()}
    assert "<table" in listed
    texts["portal list"] = listed[listed.index("<table") : listed.index("</table>")]
    return texts
