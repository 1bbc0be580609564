"""Retention: the closed requests of an organisation are anonymised once its contract's retention has passed,
unless a legal hold keeps them.

Which contract governs an organisation: the one in force today (by the organisation's own date; the
latest-starting one where several overlap), else its latest-starting contract (the last one it had, or the one
it will have). Its `retention_months` says how long closed requests are kept; empty: for ever.

A request is due when it is closed or cancelled, closed more than that many months ago (`months_before`), not
anonymised yet, and neither it nor its organisation has a legal hold in force. A lifted hold keeps nothing:
the next run takes the requests it held.

Anonymising a request keeps the request, its key, status, priority, times, timeline entries, every SLA figure
and the team's own records (who of the service team did what: owners, time entries, hand-overs, holds, …). What
goes:
- its title (now `ANONYMISED_TITLE`), its description and the answers given on its form;
- what the customer's people in it wrote (the request as submitted, their replies and notes, rating comments,
  the e-mails received for it: `erasure.texts_blank`), its attachments (files cannot be searched for names:
  all of them go, from storage once the transaction commits), its notifications, and the bodies of the
  e-mails sent about it (one still unsent is withheld);
- the full names and e-mail addresses of its people (`_people`: requester, the non-staff authors of its entries
  and files, its watchers, whoever rated it, wrote in, decided on its extra hours or was e-mailed about it), and
  the addresses its e-mails came from, in every text of the request and of every row that points at it
  (`scrub.scrub_rows_of`: timeline details, the team's replies and notes, e-mail headers, time entries, …; the
  full-text indexes follow). The team's own texts stay otherwise: they are the service's record of the work;
- its links to those people (`RELINKED`): its requester, the authors of its entries, its rating, its e-mails'
  sender, … become the organisation's former contact (`former_contact`), so no page, list, search, export or API
  answer of the request says who they were; the rows that only say that a person followed it or timed it
  (`REMOVED`) go, and its e-mails no longer name their recipient. The people's accounts stay as they are: only
  `person_erase` erases a person. The request being no longer theirs, its former requester does not see it in
  the portal where the organisation shows requesters their own requests only, nor finds it in their export.

The former contact is one account per organisation, created on first need (`former_contact`): "Former
contact", at an address on the erased domain that receives nothing, inactive and without a usable password (it
never signs in), and a member of no organisation (a request's requester need not be one, as an erased person is
not), so no contacts list, picker, audience or notification ever shows it.

Batches of `BATCH_SIZE` requests, one transaction each, which also records each request as anonymised
(`AnonymisedTicket`): a crash loses at most the batch under way and never leaves half a request; the next run
goes on from there, and a run with nothing due changes nothing. Each run is recorded (`RetentionRun`) and
audited once, with its counts, also when it failed.
"""

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record
from picocore.contracts.models import Contract
from picocore.contracts.selectors import organisation_date
from picocore.core.clock import months_before, now
from picocore.hours.models import OverageApproval, RunningTimer
from picocore.mail.models import InboundMessage
from picocore.notifications.models import Notification
from picocore.outbox.models import OutboxEmail, OutboxStatus
from picocore.privacy import scrub
from picocore.privacy.models import AnonymisedTicket, LegalHold, RetentionRun
from picocore.privacy.services.erasure import PLACEHOLDER_DOMAIN, texts_blank
from picocore.satisfaction.models import Rating
from picocore.tenancy.models import Organisation, User
from picocore.tickets.choices import EventKind, Status
from picocore.tickets.models import Attachment, Submission, Ticket, TicketEvent, TicketLink, TicketWatcher
from picocore.tickets.timeline import Merged

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
FINISHED = (Status.CLOSED, Status.CANCELLED)
ANONYMISED_TITLE = "Anonymised request"
# Without the person's id (unlike an erased person's "Former contact <id>"): the texts no longer tell who it was.
FORMER_NAME = gettext_noop("Former contact")
FORMER_EMAIL = f"former-contact@{PLACEHOLDER_DOMAIN}"

# A link to a person: the model, its field naming the person, and its fields reaching the request (`pk`: its own).
type PersonLink = tuple[type[models.Model], str, tuple[str, ...]]

# The links from a request and its rows to the customer's people in it, which anonymising points at the
# organisation's former contact…
RELINKED: tuple[PersonLink, ...] = (
    (Ticket, "requester", ("pk",)),
    (TicketEvent, "actor", ("ticket",)),
    (Rating, "requester", ("ticket",)),
    (InboundMessage, "sender", ("ticket",)),
    (OverageApproval, "asked_by", ("ticket",)),
    (OverageApproval, "decided_by", ("ticket",)),
    (Submission, "actor", ("ticket", "event__ticket")),
    (TicketLink, "created_by", ("source", "target")),
)
# … the rows that say no more than that one of them followed or timed it, which go…
REMOVED: tuple[PersonLink, ...] = (
    (TicketWatcher, "user", ("ticket",)),
    (RunningTimer, "user", ("ticket",)),
)
# … and the links left as they are: the team's own records (staff only, who are not among the people), rows of
# their own lifecycle that merely name the request (changes, articles, problems, alerts), and the ones
# `_anonymise` deals with otherwise (attachments and notifications go, e-mails lose their recipient).
KEPT = frozenset(
    {
        "tickets.Ticket.assignee", "satisfaction.Rating.assignee", "tickets.TicketImpact.confirmed_by",
        "hours.TimeEntry.author", "development.DevelopmentItem.handed_over_by", "problems.ProblemIncident.linked_by",
        "problems.WorkaroundDelivery.delivered_by", "audit.StaffAccess.staff", "privacy.LegalHold.set_by",
        "privacy.LegalHold.lifted_by", "desk.TicketPresence.user",
        "changes.Change.requested_by", "changes.Change.implementer", "knowledge.Article.owner",
        "knowledge.Article.personal_data_checked_by", "knowledge.Article.created_by", "alerts.Alert.dismissed_by",
        "tickets.Attachment.uploaded_by", "notifications.Notification.user", "outbox.OutboxEmail.recipient",
    }
)  # fmt: skip


def former_name() -> str:
    """What the people of an anonymised request are called, in the installation's language: stored (in texts and
    as the former contact's name), so in one language for every reader."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(FORMER_NAME)


def former_contact_email(organisation_id: int) -> str:
    return f"former-contact.org-{organisation_id}@{PLACEHOLDER_DOMAIN}"


def former_contact(organisation_id: int) -> tuple[User, bool]:
    """The organisation's former contact (see the module's docstring), and whether it was created now: once,
    however many runs ask at the same time (its address is unique; the loser of a race reads the winner's). An
    account at that address that could sign in is refused (RuntimeError): no request is linked to it."""
    user, created = User.objects.get_or_create(
        email=former_contact_email(organisation_id),
        defaults={"full_name": former_name(), "is_active": False, "password": make_password(None)},
    )
    if user.is_active or user.has_usable_password() or user.staff_role or user.is_staff or user.is_superuser:
        raise RuntimeError(f"The account {user.email} could sign in: it cannot stand for former contacts.")
    return user, created


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
        placeholder, created = former_contact(item.organisation.pk)
        rows = _anonymise(pks, placeholder)
        rows["former_contacts"] += int(created)
        tally.rows.update(+rows)
        AnonymisedTicket.objects.bulk_create(
            AnonymisedTicket(ticket_id=pk, organisation_id=item.organisation.pk, run=run,
                             retention_months=item.months, at=now())
            for pk in pks
        )  # fmt: skip
    return len(pks)


def _of(pks: list[int], links: tuple[str, ...]) -> Q:
    """The rows that point at one of the requests `pks` by one of `links`."""
    condition = Q()
    for link in links:
        condition |= Q(**{f"{link}__in": pks})
    return condition


def _people(pks: list[int], placeholder: User) -> QuerySet[User]:
    """The customer's people of these requests (service staff are not: their names are the team's record)."""
    linked: tuple[PersonLink, ...] = (*RELINKED, *REMOVED, (Attachment, "uploaded_by", ("ticket",)),
                                      (OutboxEmail, "recipient", ("ticket",)))  # fmt: skip
    ids: set[int] = set()
    for model, person, links in linked:
        rows: QuerySet[Any] = scrub.plain_queryset(model).filter(_of(pks, links), **{f"{person}__isnull": False})
        ids.update(rows.values_list(f"{person}_id", flat=True))
    return User.objects.filter(pk__in=ids, staff_role="").exclude(pk=placeholder.pk)


def _anonymise(pks: list[int], placeholder: User) -> Counter[str]:
    """Anonymise these requests of one organisation (the caller holds them locked, in its transaction), linking
    them to its former contact `placeholder`; the rows changed per kind."""
    people = list(_people(pks, placeholder).only("pk", "full_name", "email"))
    replacements: dict[str, str] = {}
    addresses = InboundMessage.objects.filter(ticket_id__in=pks).values_list("from_address", "envelope_sender")
    for sender, envelope in addresses:
        replacements[sender] = replacements[envelope] = FORMER_EMAIL
    for person in people:
        replacements[person.email] = FORMER_EMAIL
        replacements[person.full_name] = former_name()
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
    rows.update(_relink(pks, [person.pk for person in people], placeholder))
    return +rows  # without the kinds that changed nothing


def _relink(pks: list[int], people: list[int], placeholder: User) -> Counter[str]:
    """Point the requests' links to `people` at the former contact, remove the rows that only name one of them,
    and let their e-mails name no recipient; the rows changed per kind."""
    rows: Counter[str] = Counter()
    for model, person, links in RELINKED:
        changed = scrub.plain_queryset(model).filter(_of(pks, links), **{f"{person}_id__in": people})
        rows[f"relinked:{model._meta.label}.{person}"] = changed.update(**{person: placeholder})
    for model, person, links in REMOVED:
        rows[f"removed:{model._meta.label}"] = (
            scrub.plain_queryset(model).filter(_of(pks, links), **{f"{person}_id__in": people}).delete()[0]
        )
    rows["email_recipients"] = OutboxEmail.objects.filter(ticket_id__in=pks, recipient_id__in=people).update(
        recipient=None
    )
    # A merge keeps the duplicate's requester by id in the entry's details: the same link, held in JSON.
    merges = []
    for event in TicketEvent.objects.filter(ticket_id__in=pks, kind=EventKind.MERGED):
        entry = event.entry
        if isinstance(entry, Merged) and entry.requester in people:
            event.data = replace(entry, requester=placeholder.pk).to_data()
            merges.append(event)
    scrub.plain_queryset(TicketEvent).bulk_update(merges, ["data"])
    rows["relinked:tickets.TicketEvent.data"] = len(merges)
    return rows


def _attachments_delete(pks: list[int]) -> int:
    """Delete the requests' attachments; their files go from storage once the transaction commits (a rollback
    keeps them, with their rows)."""
    attachments = list(Attachment.objects.filter(ticket_id__in=pks))
    for attachment in attachments:
        if attachment.file.name:
            transaction.on_commit(partial(attachment.file.storage.delete, attachment.file.name))
    Attachment.objects.filter(pk__in=[attachment.pk for attachment in attachments]).delete()
    return len(attachments)
