"""Retention: the closed requests of an organisation are anonymised once its contract's retention has passed,
unless a legal hold keeps them.

Which contract governs an organisation: the one in force today (by the organisation's own date; the
latest-starting one where several overlap), else its latest-starting contract (the last one it had, or the one
it will have). Its `retention_months` says how long closed requests are kept; empty: for ever.

A request is due when it is closed or cancelled, closed more than that many months ago (`months_before`), not
anonymised yet, and neither it nor its organisation has a legal hold in force. A lifted hold keeps nothing:
the next run takes the requests it held.

Anonymising a request keeps the request, its key, status, priority, times, timeline entries and every SLA
figure, and its links to the people (their accounts are theirs, erased only by `person_erase`). What goes:
- its title (now `ANONYMISED_TITLE`), its description and the answers given on its form;
- what the customer's people in it wrote (the request as submitted, their replies and notes, rating comments,
  the e-mails received for it: `erasure.texts_blank`), its attachments (files cannot be searched for names:
  all of them go, from storage once the transaction commits), its notifications, and the bodies of the
  e-mails sent about it (one still unsent is withheld);
- the full names and e-mail addresses of its people (requester, the non-staff authors of its entries and
  files, its watchers, whoever rated it or wrote in), and the addresses its e-mails came from, in every text
  of the request and of every row that points at it (`scrub.scrub_rows_of`: timeline details, the team's
  replies and notes, e-mail headers, time entries, …; the full-text indexes follow). The team's own texts stay
  otherwise: they are the service's record of the work.

Batches of `BATCH_SIZE` requests, one transaction each, which also records each request as anonymised
(`AnonymisedTicket`): a crash loses at most the batch under way and never leaves half a request; the next run
goes on from there, and a run with nothing due changes nothing. Each run is recorded (`RetentionRun`) and
audited once, with its counts, also when it failed.
"""

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record
from picocore.contracts.models import Contract
from picocore.contracts.selectors import organisation_date
from picocore.core.clock import months_before, now
from picocore.mail.models import InboundMessage
from picocore.notifications.models import Notification
from picocore.outbox.models import OutboxEmail, OutboxStatus
from picocore.privacy import scrub
from picocore.privacy.models import AnonymisedTicket, LegalHold, RetentionRun
from picocore.privacy.services.erasure import PLACEHOLDER_DOMAIN, texts_blank
from picocore.satisfaction.models import Rating
from picocore.tenancy.models import Organisation, User
from picocore.tickets.choices import EventKind, Status
from picocore.tickets.models import Attachment, Ticket, TicketEvent, TicketWatcher

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
FINISHED = (Status.CLOSED, Status.CANCELLED)
ANONYMISED_TITLE = "Anonymised request"
# Without the person's id (unlike an erased person's "Former contact <id>"): the texts no longer tell who it was.
FORMER_NAME = "Former contact"
FORMER_EMAIL = f"former-contact@{PLACEHOLDER_DOMAIN}"


@dataclass(frozen=True)
class DueOrganisation:
    """One organisation whose governing contract sets a retention: requests closed before `cutoff` go."""

    organisation: Organisation
    contract: Contract
    cutoff: dt.datetime
    on_hold: bool

    @property
    def months(self) -> int:
        assert self.contract.retention_months is not None
        return self.contract.retention_months

    def past_retention(self) -> QuerySet[Ticket]:
        """Its requests past the retention and not anonymised yet, held or not."""
        anonymised = AnonymisedTicket.objects.filter(ticket_id=OuterRef("pk"))
        return Ticket.objects.filter(
            organisation_id=self.organisation.pk, status__in=FINISHED, closed_at__lt=self.cutoff
        ).filter(~Exists(anonymised))

    def due(self) -> QuerySet[Ticket]:
        """Its requests to anonymise now: past the retention, not anonymised, not on hold (none if it is)."""
        if self.on_hold:
            return Ticket.objects.none()
        held = LegalHold.objects.filter(ticket_id=OuterRef("pk"), lifted_at__isnull=True)
        return self.past_retention().filter(~Exists(held))


def governing_contract(contracts: Iterable[Contract], day: dt.date) -> Contract | None:
    """Of one organisation's contracts, the one in force on `day` (the latest-starting one if several are), else
    the latest-starting one; None without contracts."""
    ordered = sorted(contracts, key=lambda contract: (contract.starts_on, contract.pk), reverse=True)
    return next((c for c in ordered if c.in_force_on(day)), ordered[0] if ordered else None)


def retention_due(*, moment: dt.datetime | None = None) -> list[DueOrganisation]:
    """Every organisation whose governing contract sets a retention, by name, with the moment before which its
    closed requests go and whether it is on legal hold as a whole. Three queries, whatever the numbers."""
    moment = moment or now()
    by_organisation: dict[int, list[Contract]] = {}
    for contract in Contract.objects.select_related("organisation").order_by("organisation_id", "pk"):
        by_organisation.setdefault(contract.organisation_id, []).append(contract)
    held = set(
        LegalHold.objects.filter(lifted_at__isnull=True, ticket__isnull=True).values_list("organisation_id", flat=True)
    )
    due = []
    for contracts in by_organisation.values():
        organisation = contracts[0].organisation
        governing = governing_contract(contracts, organisation_date(organisation, moment))
        if governing is None or not governing.retention_months:
            continue
        cutoff = months_before(moment, governing.retention_months)
        due.append(DueOrganisation(organisation, governing, cutoff, on_hold=organisation.pk in held))
    return sorted(due, key=lambda item: (item.organisation.name, item.organisation.pk))


@dataclass
class RetentionTally:
    """What a run did: requests anonymised, and those past retention that a hold kept, per organisation; the
    rows changed per kind."""

    anonymised: Counter[str] = field(default_factory=Counter)
    held: Counter[str] = field(default_factory=Counter)
    rows: Counter[str] = field(default_factory=Counter)

    def as_counts(self) -> dict[str, Any]:
        return {
            "anonymised": sum(self.anonymised.values()),
            "held": sum(self.held.values()),
            "organisations": {
                key: {"anonymised": self.anonymised[key], "held": self.held[key]}
                for key in sorted(set(self.anonymised) | set(self.held))
            },
            "rows": dict(sorted(self.rows.items())),
        }


def retention_apply(
    *,
    moment: dt.datetime | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> RetentionRun:
    """Anonymise every request due (see the module's docstring), `batch_size` per transaction, calling
    `progress` with the number done after each batch; returns the run's record. An error stops the run after
    the batches it finished, is recorded on the run and raised again."""
    moment = moment or now()
    run = RetentionRun.objects.create(started_at=moment)
    tally = RetentionTally()
    try:
        for item in retention_due(moment=moment):
            label = item.organisation.key_prefix
            held = item.past_retention().count() - item.due().count()
            if held:
                tally.held[label] += held
            while batch := _anonymise_batch(item, run=run, batch_size=batch_size, tally=tally):
                tally.anonymised[label] += batch
                if progress is not None:
                    progress(batch)
    except Exception as error:
        run.error = f"{type(error).__name__}: {error}"[:300]
        raise
    finally:
        run.finished_at, run.counts = now(), tally.as_counts()
        with transaction.atomic():
            run.save(update_fields=["finished_at", "counts", "error"])
            audit_record(
                actor=None,
                action=AuditAction.CREATED,
                instance=run,
                changes={"counts": {"before": None, "after": run.counts},
                         **({"error": {"before": None, "after": run.error}} if run.error else {})},
            )  # fmt: skip
    return run


def _anonymise_batch(item: DueOrganisation, *, run: RetentionRun, batch_size: int, tally: RetentionTally) -> int:
    """Anonymise up to `batch_size` of the organisation's due requests in one transaction; how many it did.
    The holds are read again inside it, under the requests' locks: a hold set meanwhile keeps its requests."""
    with transaction.atomic():
        on_hold = LegalHold.objects.filter(
            organisation_id=item.organisation.pk, ticket__isnull=True, lifted_at__isnull=True
        ).exists()
        due = DueOrganisation(item.organisation, item.contract, item.cutoff, on_hold=on_hold).due()
        pks = list(due.select_for_update().order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not pks:
            return 0
        tally.rows.update(_anonymise(pks))
        AnonymisedTicket.objects.bulk_create(
            AnonymisedTicket(ticket_id=pk, organisation_id=item.organisation.pk, run=run,
                             retention_months=item.months, at=now())
            for pk in pks
        )  # fmt: skip
    return len(pks)


def _people(pks: list[int]) -> QuerySet[User]:
    """The customer's people of these requests (service staff are not: their names are the team's record)."""
    ids = {
        *Ticket.objects.filter(pk__in=pks).values_list("requester_id", flat=True),
        *TicketEvent.objects.filter(ticket_id__in=pks, actor__isnull=False).values_list("actor_id", flat=True),
        *Attachment.objects.filter(ticket_id__in=pks).values_list("uploaded_by_id", flat=True),
        *TicketWatcher.objects.filter(ticket_id__in=pks).values_list("user_id", flat=True),
        *Rating.objects.filter(ticket_id__in=pks).values_list("requester_id", flat=True),
        *InboundMessage.objects.filter(ticket_id__in=pks, sender__isnull=False).values_list("sender_id", flat=True),
    }
    return User.objects.filter(pk__in=ids, staff_role="")


def _anonymise(pks: list[int]) -> Counter[str]:
    """Anonymise these requests (the caller holds them locked, in its transaction); the rows changed per kind."""
    people = list(_people(pks).only("pk", "full_name", "email"))
    replacements: dict[str, str] = {}
    addresses = InboundMessage.objects.filter(ticket_id__in=pks).values_list("from_address", "envelope_sender")
    for sender, envelope in addresses:
        replacements[sender] = replacements[envelope] = FORMER_EMAIL
    for person in people:
        replacements[person.email] = FORMER_EMAIL
        replacements[person.full_name] = FORMER_NAME
    rows: Counter[str] = Counter()
    tickets = list(Ticket.objects.filter(pk__in=pks).only("pk", "title", "description", "answers"))
    for ticket in tickets:
        ticket.title, ticket.description = ANONYMISED_TITLE, ""
        ticket.answers = [{**answer, "value": ""} if isinstance(answer, dict) else "" for answer in ticket.answers]
    Ticket.objects.bulk_update(tickets, ["title", "description", "answers"])
    rows["tickets"] = len(tickets)
    blanked = texts_blank(
        events=TicketEvent.objects.filter(ticket_id__in=pks).filter(
            Q(actor_id__in=[person.pk for person in people]) | Q(kind=EventKind.CREATED)
        ),
        ratings=Rating.objects.filter(ticket_id__in=pks),
        messages=InboundMessage.objects.filter(ticket_id__in=pks),
    )
    rows.update(blanked)
    emails = OutboxEmail.objects.filter(ticket_id__in=pks)
    rows["pending_emails"] = emails.filter(status=OutboxStatus.PENDING).update(status=OutboxStatus.WITHHELD)
    rows["email_bodies"] = emails.exclude(body_text="", body_html="").update(body_text="", body_html="")
    rows["notifications"] = Notification.objects.filter(ticket_id__in=pks).delete()[0]
    rows["attachments"] = _attachments_delete(pks)
    found = scrub.redaction(replacements)
    if found is not None:
        rows.update({f"rewritten:{label}": count for label, count in scrub.scrub_rows_of(Ticket, pks, found).items()})
    return +rows  # without the kinds that changed nothing


def _attachments_delete(pks: list[int]) -> int:
    """Delete the requests' attachments; their files go from storage once the transaction commits (a rollback
    keeps them, with their rows)."""
    attachments = list(Attachment.objects.filter(ticket_id__in=pks))
    for attachment in attachments:
        if attachment.file.name:
            transaction.on_commit(partial(attachment.file.storage.delete, attachment.file.name))
    Attachment.objects.filter(pk__in=[attachment.pk for attachment in attachments]).delete()
    return len(attachments)
