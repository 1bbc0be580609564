"""Retention: the closed requests past their contract's retention lose the names, addresses, texts and files of
their people — found nowhere in the request's rows, nor by the search indexes — while the SLA report's figures
stay what they were; younger or open requests, organisations without a retention and requests on legal hold
are left as they are until the hold is lifted; a run is batched, resumable and audited once; the command lists
(dry run) or applies it with a progress bar; the contract's retention is validated."""

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import models
from django.urls import reverse

from picocore.audit.models import AuditEntry
from picocore.audit.verification import audit_verify
from picocore.contracts.models import Contract
from picocore.core.clock import months_before
from picocore.core.tasks import discover_periodic_jobs
from picocore.mail.models import InboundMessage
from picocore.outbox.models import OutboxEmail, OutboxStatus
from picocore.privacy.models import AnonymisedTicket, LegalHold, RetentionRun
from picocore.privacy.services import retention
from picocore.privacy.services.retention import governing_contract, retention_apply
from picocore.tenancy.models import Organisation, User
from picocore.tickets.choices import Status
from picocore.tickets.fulltext import EVENT_INDEX, TICKET_INDEX
from picocore.tickets.models import Attachment, Ticket, TicketEvent
from picocore.tickets.services import ticket_reply, ticket_transition
from tests.conftest import Customer
from tests.privacy.conftest import PIA, PIA_EMAIL, upload
from tests.privacy.traces import mentions, quote_her_everywhere, searched, sla_figures
from tests.reports.conftest import ReportWorld, cph
from tests.sla.conftest import CPH, Clock

pytestmark = pytest.mark.django_db

LATER = dt.datetime(2028, 1, 10, 9, tzinfo=CPH)  # 13 months after the closings of 1 December 2026


def of_ticket(ticket: Ticket):
    """`mentions`' scope: the ticket's own row and the rows of every model that point at it."""

    def scope(model: type[models.Model]) -> models.QuerySet | None:
        if model is Ticket:
            return Ticket.objects.filter(pk=ticket.pk)
        links = [f.name for f in model._meta.concrete_fields if f.is_relation and f.related_model is Ticket]
        if not links:
            return None
        condition = models.Q()
        for link in links:
            condition |= models.Q(**{link: ticket})
        return model._base_manager.filter(condition)

    return scope


def close(world: ReportWorld, *keys: str) -> None:
    for key in keys:
        ticket = Ticket.objects.get(pk=world.tickets[key].pk)
        ticket_transition(actor=world.consultant, ticket=ticket, to=Status.CLOSED)


def keep_for(customer: Customer, months: int | None) -> None:
    Contract.objects.filter(organisation=customer.organisation).update(retention_months=months)


def texts(ticket: Ticket) -> tuple:
    """What anonymising changes on a ticket, and what it keeps."""
    row = Ticket.objects.get(pk=ticket.pk)
    bodies = list(TicketEvent.objects.filter(ticket=row).order_by("pk").values_list("body", flat=True))
    return row.title, row.description, bodies, Attachment.objects.filter(ticket=row).count()


def figures(ticket: Ticket) -> tuple:
    return tuple(
        Ticket.objects.filter(pk=ticket.pk).values_list(
            "key", "number", "status", "priority", "requester_id", "created_at", "resolved_at", "closed_at",
            "updated_at", "sla_due_at",
        ).get()
    )  # fmt: skip


@pytest.fixture
def aged(named: User, report_world: ReportWorld, root: User, clock: Clock) -> ReportWorld:
    """The reports' history with Pia quoted everywhere and a file on ACME-1; ACME-1, ACME-3, NORD-1 and NORD-2
    closed on 1 December 2026, ACME-5 closed on 1 June 2027; ACME's contract keeps closed requests 12 months
    (Nord's for ever); the clock on 10 January 2028."""
    quote_her_everywhere(report_world, named, root)
    ticket_reply(actor=report_world.consultant, ticket=report_world.tickets["ACME-1"], body="The log you sent.",
                 files=[upload("pia-log.txt", f"{PIA} <{PIA_EMAIL}>".encode())])  # fmt: skip
    close(report_world, "ACME-1", "ACME-3", "NORD-1", "NORD-2")
    clock.set(cph(6, 1, 9).replace(year=2027))
    ticket_transition(actor=report_world.consultant, ticket=report_world.tickets["ACME-5"], to=Status.CANCELLED)
    keep_for(report_world.acme, 12)
    clock.set(LATER)
    return report_world


def test_old_closed_requests_lose_her_data_the_rest_stays_and_the_sla_figures_are_unchanged(
    aged: ReportWorld, django_capture_on_commit_callbacks
):
    acme_1, acme_3 = aged.tickets["ACME-1"], aged.tickets["ACME-3"]
    untouched = [aged.tickets[key] for key in ("ACME-2", "ACME-4", "ACME-5", "NORD-1", "NORD-2")]
    before = sla_figures(aged)
    kept_figures = {t.key: figures(t) for t in aged.tickets.values()}
    kept_texts = {t.key: texts(t) for t in untouched}
    assert mentions(PIA, PIA_EMAIL, scope=of_ticket(acme_1))  # the walk finds what is there
    assert searched(Ticket, TICKET_INDEX, "missing") == [acme_1.pk]
    stored = Attachment.objects.get(ticket=acme_1).file
    assert stored.storage.exists(stored.name)

    with django_capture_on_commit_callbacks(execute=True):
        run = retention_apply()

    assert mentions(PIA, PIA_EMAIL, scope=of_ticket(acme_1)) == []
    assert mentions(PIA, PIA_EMAIL, scope=of_ticket(acme_3)) == []
    assert searched(Ticket, TICKET_INDEX, "missing") == []
    assert searched(TicketEvent, EVENT_INDEX, "Persondata") == []  # only ACME-1's reply quoted her
    # Her request as submitted is blank; the team's replies stay, without her name and address.
    assert texts(acme_1) == ("Anonymised request", "", ["", "Looking into it.", "", "", "Fixed.",
                             "Dear Former contact, we wrote to former-contact@erased.invalid.", "The log you sent.",
                             "", ""], 0)  # fmt: skip
    assert not stored.storage.exists(stored.name)
    email = OutboxEmail.objects.get(ticket=acme_1, subject="Re: ACME-1 for Former contact")
    assert not OutboxEmail.objects.filter(ticket=acme_1).exclude(body_text="", body_html="").exists()
    assert (email.status, email.to_address, email.body_text) == (OutboxStatus.WITHHELD, "former-contact@erased.invalid",
                                                                 "")  # fmt: skip
    assert InboundMessage.objects.get(ticket=acme_1).body_text == ""
    assert {t.key: texts(t) for t in untouched} == kept_texts
    assert {t.key: figures(t) for t in aged.tickets.values()} == kept_figures
    assert sla_figures(aged) == before
    assert Ticket.objects.get(pk=aged.tickets["ACME-2"].pk).title.endswith(PIA)  # open: kept
    assert User.objects.get(pk=aged.acme.requester.pk).full_name == PIA  # her account is not erased
    assert sorted(AnonymisedTicket.objects.values_list("ticket__key", "retention_months")) == [
        ("ACME-1", 12), ("ACME-3", 12)
    ]  # fmt: skip
    assert run.counts["anonymised"] == 2 and run.counts["organisations"] == {"ACME": {"anonymised": 2, "held": 0}}
    assert run.counts["rows"]["attachments"] == 1 and run.counts["rows"]["rewritten:tickets.TicketEvent"] == 1
    [entry] = AuditEntry.objects.filter(object_repr=f"Retention run {run.pk}")
    assert (entry.actor, entry.changes["counts"]["after"]) == (None, run.counts)
    assert audit_verify().ok

    anonymised = {key: texts(aged.tickets[key]) for key in ("ACME-1", "ACME-3")}
    again = retention_apply()
    assert again.counts == {"anonymised": 0, "held": 0, "organisations": {}, "rows": {}}
    assert {key: texts(aged.tickets[key]) for key in ("ACME-1", "ACME-3")} == anonymised
    assert AnonymisedTicket.objects.count() == 2


def test_the_cancelled_request_goes_once_its_months_have_passed(aged: ReportWorld, clock: Clock):
    retention_apply()
    clock.set(dt.datetime(2028, 6, 2, 9, tzinfo=CPH))
    run = retention_apply()
    assert run.counts["anonymised"] == 1
    assert Ticket.objects.get(pk=aged.tickets["ACME-5"].pk).title == "Anonymised request"


def test_requests_on_hold_stay_until_the_hold_is_lifted(aged: ReportWorld, root: User):
    keep_for(aged.nord, 6)
    acme_1 = aged.tickets["ACME-1"]
    on_ticket = LegalHold.objects.create(organisation=aged.acme.organisation, ticket=acme_1, reason="Claim",
                                         set_by=root)  # fmt: skip
    on_nord = LegalHold.objects.create(organisation=aged.nord.organisation, reason="Court case", set_by=root)
    kept = {key: texts(aged.tickets[key]) for key in ("ACME-1", "NORD-1", "NORD-2")}

    run = retention_apply()

    assert {key: texts(aged.tickets[key]) for key in ("ACME-1", "NORD-1", "NORD-2")} == kept
    assert run.counts["organisations"] == {"ACME": {"anonymised": 1, "held": 1}, "NORD": {"anonymised": 0, "held": 2}}
    assert list(AnonymisedTicket.objects.values_list("ticket__key", flat=True)) == ["ACME-3"]

    LegalHold.objects.filter(pk__in=[on_ticket.pk, on_nord.pk]).update(lifted_at=LATER, lifted_by=root)
    run = retention_apply()
    assert (run.counts["anonymised"], run.counts["held"]) == (3, 0)
    assert mentions(PIA, PIA_EMAIL, scope=of_ticket(acme_1)) == []
    assert Ticket.objects.get(pk=aged.tickets["NORD-1"].pk).title == "Anonymised request"


def test_without_a_retention_nothing_goes(aged: ReportWorld):
    keep_for(aged.acme, None)
    kept = {key: texts(ticket) for key, ticket in aged.tickets.items()}
    run = retention_apply()
    assert run.counts["anonymised"] == 0
    assert {key: texts(ticket) for key, ticket in aged.tickets.items()} == kept


def test_a_failure_in_the_second_batch_keeps_the_first_and_the_next_run_finishes(aged: ReportWorld):
    real = retention._anonymise
    calls = []

    def failing(pks):
        calls.append(pks)
        if len(calls) == 2:
            real(pks)  # half done, then the crash: the batch's transaction takes it all back
            raise RuntimeError("disk full")
        return real(pks)

    acme_1, acme_3 = aged.tickets["ACME-1"], aged.tickets["ACME-3"]
    kept = texts(acme_3)
    with mock.patch.object(retention, "_anonymise", failing), pytest.raises(RuntimeError, match="disk full"):
        retention_apply(batch_size=1)

    assert texts(acme_1)[0] == "Anonymised request" and texts(acme_3) == kept
    assert list(AnonymisedTicket.objects.values_list("ticket_id", flat=True)) == [acme_1.pk]
    failed = RetentionRun.objects.get()
    assert (failed.error, failed.counts["anonymised"]) == ("RuntimeError: disk full", 1)
    [entry] = AuditEntry.objects.filter(object_repr=f"Retention run {failed.pk}")
    assert entry.changes["error"]["after"] == "RuntimeError: disk full"

    run = retention_apply(batch_size=1)
    assert run.counts["anonymised"] == 1 and run.error == ""
    assert texts(acme_3)[0] == "Anonymised request"
    assert AnonymisedTicket.objects.count() == 2


def test_the_dry_run_lists_per_organisation_and_changes_nothing(aged: ReportWorld, root: User):
    keep_for(aged.nord, 6)
    LegalHold.objects.create(organisation=aged.nord.organisation, reason="Court case", set_by=root)
    kept = {key: texts(ticket) for key, ticket in aged.tickets.items()}
    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert out.getvalue().splitlines() == [
        "Acme Ltd (12 months, closed before 2027-01-10): 2 request(s) to anonymise: ACME-1, ACME-3",
        "Nord Ltd (6 months, closed before 2027-07-10): 0 request(s) to anonymise, 2 kept by a legal hold "
        "(the whole organisation).",
        "Dry run: nothing was changed.",
    ]
    assert {key: texts(ticket) for key, ticket in aged.tickets.items()} == kept
    assert not AnonymisedTicket.objects.exists() and not RetentionRun.objects.exists()


def test_the_command_anonymises_with_a_progress_bar(aged: ReportWorld):
    out = StringIO()
    call_command("apply_retention", "--batch-size", "1", stdout=out)
    assert out.getvalue().strip().endswith("Anonymised 2 request(s); 0 past retention kept by a legal hold.")
    assert AnonymisedTicket.objects.count() == 2


def test_the_worker_runs_it_once_a_day(aged: ReportWorld):
    job = discover_periodic_jobs()["picocore.privacy.tasks.apply_retention"]
    assert job.every == dt.timedelta(days=1)
    assert job.task.call()["anonymised"] == 2


def test_the_contract_in_force_governs_else_the_latest(acme: Customer):
    organisation = Organisation.objects.get(pk=acme.organisation.pk)
    tier = Contract.objects.get(organisation=organisation).tier
    old = Contract(pk=1, organisation=organisation, tier=tier, starts_on=dt.date(2020, 1, 1),
                   ends_on=dt.date(2024, 12, 31), retention_months=24)  # fmt: skip
    later = Contract(pk=2, organisation=organisation, tier=tier, starts_on=dt.date(2025, 1, 1),
                     ends_on=dt.date(2025, 12, 31), retention_months=12)  # fmt: skip
    assert governing_contract([later, old], dt.date(2024, 6, 1)) is old
    assert governing_contract([old, later], dt.date(2026, 6, 1)) is later  # none in force: the latest
    assert governing_contract([], dt.date(2026, 6, 1)) is None
    assert months_before(dt.datetime(2027, 3, 31, 12, tzinfo=dt.UTC), 1) == dt.datetime(2027, 2, 28, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("months", "message"),
    [("0", "Keep closed requests for at least 1 month"), ("241", "at most 240 months (20 years)")],
)
def test_the_admin_refuses_a_retention_out_of_range(client, root, acme: Customer, months, message):
    contract = Contract.objects.get(organisation=acme.organisation)
    data = {"organisation": contract.organisation_id, "tier": contract.tier_id, "starts_on": "2020-01-01",
            "ends_on": "", "hotline_number": "", "calendar": "", "retention_months": months,
            "sla_targets-TOTAL_FORMS": "0", "sla_targets-INITIAL_FORMS": "0"}  # fmt: skip
    url = reverse("admin:contracts_contract_change", args=[contract.pk])
    page = client.get(url)
    assert "retention (months)" in page.text.lower() and "unless on legal hold" in page.text
    response = client.post(url, data)
    assert response.status_code == 200 and message in response.text
    contract.refresh_from_db()
    assert contract.retention_months is None

    response = client.post(url, {**data, "retention_months": "24"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.retention_months == 24
    entry = AuditEntry.objects.filter(object_id=str(contract.pk), action="changed").latest("sequence")
    assert entry.changes["retention_months"] == {"before": None, "after": 24}
