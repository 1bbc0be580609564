"""Retention: the closed requests past their contract's retention lose the names, addresses, texts and files of
their people — found nowhere in the request's rows, nor by the search indexes — while the SLA report's figures
stay what they were; younger or open requests, organisations without a retention and requests on legal hold
are left as they are until the hold is lifted; a run is batched, resumable and audited once; the command lists
(dry run) or applies it with a progress bar; the contract's retention is validated."""

import datetime as dt
from dataclasses import dataclass
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import models
from django.db.models import QuerySet
from django.test import Client, RequestFactory
from django.urls import reverse

from picocore.audit.models import AuditEntry
from picocore.audit.verification import audit_verify
from picocore.contracts.models import Contract
from picocore.core.clock import months_before
from picocore.core.tasks import discover_periodic_jobs
from picocore.hours.models import ApprovalDecision, OverageApproval, RunningTimer
from picocore.mail.models import InboundMessage
from picocore.notifications.permissions import audience
from picocore.outbox.models import OutboxEmail, OutboxStatus
from picocore.outbox.services import outbox_send
from picocore.privacy.exporting import SECTIONS
from picocore.privacy.models import AnonymisedTicket, LegalHold, PersonalDataExport, RetentionRun
from picocore.privacy.services import retention
from picocore.privacy.services.retention import (
    former_contact,
    former_contact_email,
    governing_contract,
    retention_apply,
)
from picocore.satisfaction.models import Rating
from picocore.security.models import SecuritySettings
from picocore.security.twofactor import security_settings
from picocore.tenancy.choices import MembershipRole, RequestVisibility
from picocore.tenancy.models import Membership, Organisation, User
from picocore.tickets.choices import EventKind, LinkKind, Status
from picocore.tickets.fulltext import EVENT_INDEX, TICKET_INDEX
from picocore.tickets.models import Attachment, Submission, Ticket, TicketEvent, TicketLink, TicketWatcher
from picocore.tickets.services import ticket_reply, ticket_transition
from picocore.tickets.timeline import Merged
from tests import factories
from tests.conftest import Customer
from tests.privacy.conftest import OLE, OLE_EMAIL, PIA, PIA_EMAIL, upload
from tests.privacy.traces import mentions, quote_her_everywhere, request_pages, searched, sla_figures
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
            "key", "number", "status", "priority", "created_at", "resolved_at", "closed_at", "updated_at",
            "sla_due_at",
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

    def failing(pks, placeholder):
        calls.append(pks)
        if len(calls) == 2:
            real(pks, placeholder)  # half done, then the crash: the batch's transaction takes it all back
            raise RuntimeError("disk full")
        return real(pks, placeholder)

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


ADA, ADA_EMAIL = "Ada Adminsdottir", "ada.adminsdottir@acme.test"
NILS, NILS_EMAIL = "Nils Nordmann", "nils.nordmann@nord.test"


@dataclass
class Involved:
    world: ReportWorld
    pia: User
    ole: User
    ada: User
    nils: User
    viewers: dict[str, User]  # a viewer of each organisation, by key prefix

    @property
    def names(self) -> tuple[str, ...]:
        return PIA, PIA_EMAIL, OLE, OLE_EMAIL, ADA, ADA_EMAIL, NILS, NILS_EMAIL


def on_ticket(ticket: Ticket, model: type[models.Model], *fields: str, link: str = "ticket") -> QuerySet:
    return model._base_manager.filter(**{link: ticket}).order_by("pk").values_list(*fields)


def account(user: User) -> tuple:
    row = User.objects.get(pk=user.pk)
    memberships = sorted(Membership.objects.filter(user=row).values_list("organisation_id", "role"))
    return row.full_name, row.email, row.is_active, row.password, row.has_usable_password(), memberships


@pytest.fixture
def involved(aged: ReportWorld) -> Involved:
    """`aged`, with more of ACME's people on ACME-1: Pia's reply, rating, form and link, Ole watching it, e-mailed
    about it and the requester of a duplicate merged into it, Ada (ACME's admin) deciding its extra hours, and
    the consultant's timer; Nils (Nord's requester) asked NORD-1 and NORD-2, which Nord now keeps 6 months.
    ACME shows its requesters their own requests only; Vic views each organisation's requests."""
    world, pia = aged, aged.acme.requester
    acme, acme_1 = world.acme.organisation, Ticket.objects.get(key="ACME-1")
    Organisation.objects.filter(pk=acme.pk).update(request_visibility=RequestVisibility.OWN)
    # ACME-2 stays open, and the desk's page of ACME-1 lists it among ACME's open requests: without her name.
    Ticket.objects.filter(key="ACME-2").update(title="Acme slow search")
    User.objects.filter(pk=world.acme.admin.pk).update(full_name=ADA, email=ADA_EMAIL)
    User.objects.filter(pk=world.nord.requester.pk).update(full_name=NILS, email=NILS_EMAIL)
    ole = factories.UserFactory(full_name=OLE, email=OLE_EMAIL)
    factories.MembershipFactory(user=ole, organisation=acme, role=MembershipRole.REQUESTER)
    TicketEvent.objects.create(ticket=acme_1, organisation=acme, kind=EventKind.PUBLIC_REPLY, public=True, actor=pia,
                               body="Still gone on the shop.")  # fmt: skip
    merged = Merged(merged="ACME-2", requester=ole.pk).to_data()
    TicketEvent.objects.create(ticket=acme_1, organisation=acme, kind=EventKind.MERGED, public=True,
                               actor=world.consultant, data=merged)  # fmt: skip
    resolution = TicketEvent.objects.filter(ticket=acme_1, kind=EventKind.STATUS_CHANGED).order_by("pk").last()
    Rating.objects.create(organisation=acme, ticket=acme_1, resolution=resolution, requester=pia, score=4,
                          assignee=world.consultant)  # fmt: skip
    TicketWatcher.objects.create(ticket=acme_1, user=ole, organisation=acme)
    OutboxEmail.objects.create(ticket=acme_1, organisation=acme, recipient=ole, to_address=OLE_EMAIL, kind="status",
                               subject="ACME-1 was closed", status=OutboxStatus.SENT)  # fmt: skip
    OverageApproval.objects.create(organisation=acme, ticket=acme_1, contract=Contract.objects.get(organisation=acme),
                                   estimated_minutes=120, remaining_minutes=30, note="Rebuild the image index.",
                                   asked_by=world.consultant, decision=ApprovalDecision.APPROVED,
                                   decided_by=world.acme.admin, decided_at=LATER)  # fmt: skip
    Submission.objects.create(actor=pia, token="f" * 43, ticket=acme_1)
    TicketLink.objects.create(organisation=acme, source=acme_1, target=world.tickets["ACME-4"], kind=LinkKind.RELATED,
                              created_by=pia)  # fmt: skip
    RunningTimer.objects.create(organisation=acme, ticket=acme_1, user=world.consultant)
    keep_for(world.nord, 6)
    viewers = {}
    for customer in (world.acme, world.nord):
        viewers[customer.organisation.key_prefix] = factories.UserFactory(full_name="Vic Viewer")
        factories.MembershipFactory(user=viewers[customer.organisation.key_prefix],
                                    organisation=customer.organisation, role=MembershipRole.VIEWER)  # fmt: skip
    SecuritySettings.objects.filter(pk=security_settings().pk).update(staff_second_factor_from=LATER.replace(year=2030))
    return Involved(world, User.objects.get(pk=pia.pk), ole, User.objects.get(pk=world.acme.admin.pk),
                    User.objects.get(pk=world.nord.requester.pk), viewers)  # fmt: skip


def test_an_anonymised_request_no_longer_says_who_its_people_were(involved: Involved):
    world = involved.world
    acme_1 = world.tickets["ACME-1"]
    people = (involved.pia, involved.ole, involved.ada, involved.nils)
    accounts = [account(person) for person in people]
    before = sla_figures(world)
    pages = request_pages("ACME-1", staff=world.consultant, customer=involved.viewers["ACME"])
    assert {name: [text for text in (PIA, PIA_EMAIL) if text in shown] for name, shown in pages.items()} == {
        "desk page": [PIA, PIA_EMAIL], "desk search": [], "API detail": [PIA], "API timeline": [PIA, PIA_EMAIL],
        "API list": [PIA], "portal page": [PIA, PIA_EMAIL], "portal list": [PIA],
    }  # fmt: skip  # the walk sees who is there

    run = retention_apply()

    acme_former = User.objects.get(email=former_contact_email(world.acme.organisation.pk))
    nord_former = User.objects.get(email=former_contact_email(world.nord.organisation.pk))
    for key in ("ACME-1", "ACME-3", "NORD-1"):
        shown = request_pages(key, staff=world.consultant, customer=involved.viewers[key.split("-")[0]])
        own, other = (acme_former, nord_former) if key.startswith("ACME") else (nord_former, acme_former)
        found = {
            name: [text for text in (*involved.names, other.email) if text in page] for name, page in shown.items()
        }
        assert found == {name: [] for name in shown}
        assert all("Former contact" in page for name, page in shown.items() if name != "desk search"), key
        assert own.email in shown["desk page"] and own.email not in shown["portal page"]
    # Every link of ACME-1 to its people points at ACME's former contact; the team's own stay theirs.
    former, consultant = acme_former.pk, world.consultant.pk
    assert Ticket.objects.get(pk=acme_1.pk).requester_id == former
    assert set(on_ticket(acme_1, TicketEvent, "actor_id").exclude(actor=None)) == {(former,), (consultant,)}
    assert list(on_ticket(acme_1, Rating, "requester_id", "assignee_id")) == [(former, consultant)]
    assert list(on_ticket(acme_1, InboundMessage, "sender_id")) == [(former,)]
    assert list(on_ticket(acme_1, OverageApproval, "asked_by_id", "decided_by_id")) == [(consultant, former)]
    assert list(on_ticket(acme_1, Submission, "actor_id")) == [(former,)]
    assert list(on_ticket(acme_1, TicketLink, "created_by_id", link="source")) == [(former,)]
    assert list(on_ticket(acme_1, RunningTimer, "user_id")) == [(consultant,)]
    assert not TicketWatcher.objects.filter(ticket=acme_1).exists()
    assert set(on_ticket(acme_1, OutboxEmail, "recipient_id", "to_address")) == {
        (None, "former-contact@erased.invalid"), (consultant, world.consultant.email)
    }  # fmt: skip
    [merge] = TicketEvent.objects.filter(ticket=acme_1, kind=EventKind.MERGED)
    assert merge.entry == Merged(merged="ACME-2", requester=former)
    assert set(Ticket.objects.filter(key__in=["NORD-1", "NORD-2"]).values_list("requester_id", flat=True)) == {
        nord_former.pk
    }
    assert {key: count for key, count in run.counts["rows"].items() if not key.startswith("rewritten:")} == {
        "attachments": 1, "email_bodies": 28, "email_recipients": 24, "former_contacts": 2, "notifications": 28,
        "pending_emails": 28, "relinked:hours.OverageApproval.decided_by": 1, "relinked:mail.InboundMessage.sender": 1,
        "relinked:satisfaction.Rating.requester": 1, "relinked:tickets.Submission.actor": 1,
        "relinked:tickets.Ticket.requester": 4, "relinked:tickets.TicketEvent.actor": 5,
        "relinked:tickets.TicketEvent.data": 1, "relinked:tickets.TicketLink.created_by": 1,
        "removed:tickets.TicketWatcher": 1, "replies": 5, "sent_emails": 1, "tickets": 4,
    }  # fmt: skip
    # Their accounts are as they were, the figures too; the link to the duplicate's requester is a new one's.
    assert [account(person) for person in people] == accounts
    assert sla_figures(world) == before
    assert Ticket.objects.get(pk=world.tickets["ACME-2"].pk).requester_id == involved.pia.pk  # open: still hers
    assert audit_verify().ok

    again = retention_apply()
    assert again.counts == {"anonymised": 0, "held": 0, "organisations": {}, "rows": {}}
    assert User.objects.filter(email__endswith="@erased.invalid").count() == 2


def test_her_own_requests_only_she_no_longer_sees_the_anonymised_one_nor_exports_it(involved: Involved):
    retention_apply()
    client = Client()
    client.force_login(involved.pia)
    assert client.get(reverse("portal:request", args=["ACME-1"])).status_code == 404
    assert client.get(reverse("portal:request", args=["ACME-2"])).status_code == 200
    export = PersonalDataExport(subject=involved.pia, organisation=None)
    [requests] = [section for section in SECTIONS if section.name == "requests"]
    assert [ticket.key for ticket in requests.rows(export)] == ["ACME-2", "ACME-4", "ACME-5"]


def test_the_former_contact_never_signs_in_hears_nothing_and_is_in_no_list(involved: Involved, settings):
    world = involved.world
    retention_apply()
    former = User.objects.get(email=former_contact_email(world.acme.organisation.pk))
    assert (former.full_name, former.is_active, former.has_usable_password(), former.staff_role) == (
        "Former contact", False, False, ""
    )  # fmt: skip
    assert not former.memberships.exists()
    for password in ("", "!"):
        assert authenticate(RequestFactory().post("/accounts/login/"), username=former.email, password=password) is None
    forged = Client()
    forged.force_login(former)  # even a session made for it is refused
    assert forged.get(reverse("portal:home"))["Location"].startswith(reverse("accounts:login"))
    # No audience hears of its requests, and an e-mail written to it anyway is withheld.
    acme_1 = Ticket.objects.get(key="ACME-1")
    assert audience([former], ticket=acme_1, kind="status") == []
    email = OutboxEmail.objects.create(ticket=None, organisation=world.acme.organisation, recipient=former,
                                       to_address=former.email, kind="digest", subject="Your week")  # fmt: skip
    assert outbox_send(email_id=email.pk) == "withheld"
    email.refresh_from_db()
    assert (email.status, email.last_error) == (OutboxStatus.WITHHELD, "Not sent: the address receives no mail.")
    # Not among ACME's contacts, nor in any picker of a person.
    admin = Client()
    admin.force_login(involved.ada)
    contacts = admin.get(reverse("members:contacts"))
    assert contacts.status_code == 200 and OLE_EMAIL in contacts.text and former.email not in contacts.text
    requests = admin.get(reverse("portal:requests"))
    offered = requests.context["shown_form"].requester_ids
    assert involved.ole.pk in offered and former.pk not in offered
    desk = Client()
    desk.force_login(world.consultant)
    phone = desk.get(reverse("desk:phone")).context["form"]
    assert former.pk not in {membership.user_id for membership in phone.fields["contact"].queryset}


def test_one_former_contact_per_organisation_even_when_two_runs_race(involved: Involved):
    acme = involved.world.acme.organisation.pk
    first, created = former_contact(acme)
    assert created
    real_get = QuerySet.get
    calls = []

    def missed_once(queryset, *args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:  # the other run's insert commits just after this lookup
            raise User.DoesNotExist
        return real_get(queryset, *args, **kwargs)

    with mock.patch.object(QuerySet, "get", missed_once):
        second, created = former_contact(acme)
    assert (second.pk, created, len(calls)) == (first.pk, False, 2)
    assert former_contact(involved.world.nord.organisation.pk)[0].pk != first.pk
    User.objects.filter(pk=first.pk).update(is_active=True)
    with pytest.raises(RuntimeError, match="could sign in"):
        former_contact(acme)


def test_every_link_from_a_request_to_a_person_is_decided():
    """A new model pointing at a request and a person must say what anonymising does with the person."""
    from django.apps import apps

    found = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model is Ticket or any(f.is_relation and f.related_model is Ticket for f in model._meta.concrete_fields)
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is User
    }
    decided = {f"{model._meta.label}.{person}" for model, person, _links in (*retention.RELINKED, *retention.REMOVED)}
    assert decided.isdisjoint(retention.KEPT)
    assert found == decided | retention.KEPT
