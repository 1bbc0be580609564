"""Inbound e-mail, one pipeline for the MTA pipe, the LMTP/SMTP listener and IMAP polling.

`mail_receive` (picocore.mail.receiving) stores the raw message first — once per Message-ID, or per content
hash when it has none — and schedules its processing after commit. `mail_process` then decides, under a row
lock and exactly once per message: machine-written mail (auto-replies, bounces, delivery reports, our own
mail coming back) is ignored with its reason; a reply goes on the ticket it answers when the sender may write
there; anything else becomes a new ticket for the sender's organisation, or is held for an administrator with
the reason. Tickets are changed only through the ticket services, so their rules and limits apply unchanged.

Every message ends in a final state (processed, ignored, held or failed, with the reason): a message the
parser cannot read is held as broken, an unexpected error fails it, and text the database would refuse
(NUL characters, over-long or multi-line subjects) is cleaned where it enters, right after parsing.
"""

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record
from picocore.catalog.choices import TicketType
from picocore.catalog.models import RequestType
from picocore.catalog.selectors import offered_request_types
from picocore.core.clock import now
from picocore.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from picocore.core.models import max_length_of
from picocore.core.tasks import enqueue_on_commit
from picocore.core.text import one_line, truncate, without_nul
from picocore.mail.authentication import authentication_headers, verdict
from picocore.mail.body import Part
from picocore.mail.charsets import decode_bytes
from picocore.mail.content import split_reply, title_from_subject
from picocore.mail.models import (
    DomainMapping,
    InboundMessage,
    InboundStatus,
    MailPolicy,
    Outcome,
    UnknownSenders,
)
from picocore.mail.parsing import ParsedMessage, parse_message
from picocore.mail.receiving import ADDRESS_MAX, SUBJECT_MAX, Receipt, dedup_key, mail_receive
from picocore.mail.routing import organisation_for, route_reply
from picocore.outbox.models import OutboxEmail
from picocore.tenancy.choices import MembershipRole, StaffRole
from picocore.tenancy.models import Membership, Organisation, User
from picocore.tickets.attachments import check_uploads
from picocore.tickets.choices import Channel, EventKind
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.services import ticket_create, ticket_reply

__all__ = ["Receipt", "dedup_key", "email_request_type", "mail_process", "mail_receive", "mail_retry"]

logger = logging.getLogger(__name__)

TITLE_MAX = max_length_of(Ticket, "title")
NAME_MAX = max_length_of(User, "full_name")
# Errors of the database connection itself leave a message received for the next sweep; after this many
# attempts in a row (since the last retry) it is failed with the error instead of being retried forever.
MAX_ATTEMPTS = 10
FLOOD_WINDOW = dt.timedelta(hours=1)
PROCESSED_FIELDS = [
    "status", "outcome", "reason", "ticket", "event", "organisation", "sender", "data", "processed_at", "attempts",
    "from_address", "subject", "body_text", "body_html",
]  # fmt: skip


@dataclass
class Decision:
    """The result of processing one message, written to its row in the same transaction as its effects."""

    status: str
    outcome: str
    reason: str
    ticket: Ticket | None = None
    event: TicketEvent | None = None
    organisation: Organisation | None = None
    sender: User | None = None
    data: dict[str, object] = field(default_factory=dict)


@dataclass
class _Filing:
    """What processing has worked out about a message from a known sender, ready to be filed."""

    message: InboundMessage
    parsed: ParsedMessage
    sender: User
    recipients: list[str]
    policy: MailPolicy
    body: str
    uploads: list[UploadedFile[bytes]]
    data: dict[str, object]


def mail_process(*, inbound_id: int) -> InboundMessage | None:
    """Process one received message exactly once: a message no longer `received` is left alone, so a
    task that runs twice changes nothing the second time.

    Everything it files (ticket, reply, attachments, a new contact) and the message's new status commit
    together. Whatever goes wrong, the message ends in a final state: an unexpected error undoes the filing
    and marks it failed, with the error, for an administrator to retry (even when the decision itself could
    not be saved); a lost database connection leaves it received for the next sweep, MAX_ATTEMPTS times.
    """
    try:
        return _process(inbound_id)
    except (OperationalError, InterfaceError) as error:
        _count_attempt(inbound_id, error)
        raise
    except Exception as error:  # the decision could not be written: the message fails with the error
        logger.exception("Saving the outcome of inbound message %s failed", inbound_id)
        return _fail(inbound_id, _failure_reason(error), attempted=True)


def _process(inbound_id: int) -> InboundMessage | None:
    with transaction.atomic():
        message = InboundMessage.objects.select_for_update().filter(pk=inbound_id).first()
        if message is None or message.status != InboundStatus.RECEIVED:
            return message
        message.attempts += 1
        try:
            with transaction.atomic():
                decision = _decide(message)
        except (OperationalError, InterfaceError):
            raise
        except Exception as error:  # recorded on the message, which an administrator can retry
            logger.exception("Processing inbound message %s failed", message.pk)
            decision = Decision(status=InboundStatus.FAILED, outcome="", reason=_failure_reason(error))
        message.status, message.outcome, message.reason = decision.status, decision.outcome, decision.reason
        message.ticket, message.event = decision.ticket, decision.event
        message.organisation = decision.organisation or (decision.ticket.organisation if decision.ticket else None)
        message.sender = decision.sender
        message.data = {**{k: v for k, v in message.data.items() if k == "history"}, **decision.data}
        message.processed_at = now()
        for name in ("reason", "from_address", "subject", "body_text", "body_html"):
            setattr(message, name, without_nul(getattr(message, name)))
        message.data = _without_nul(message.data)
        message.save(update_fields=PROCESSED_FIELDS)  # never rewrites the raw message
    return message


def _failure_reason(error: BaseException) -> str:
    detail = without_nul(f"{type(error).__name__}: {error}")[:2000]
    return _("Processing failed: %(error)s") % {"error": detail}


def _fail(inbound_id: int, reason: str, *, attempted: bool) -> InboundMessage | None:
    """Mark a still-received message failed with `reason`, in a transaction of its own (the one that
    processed it was rolled back), touching no other column."""
    with transaction.atomic():
        changes: dict[str, object] = {"status": InboundStatus.FAILED, "outcome": "", "reason": reason,
                                      "processed_at": now()}  # fmt: skip
        if attempted:
            changes["attempts"] = F("attempts") + 1
        InboundMessage.objects.filter(pk=inbound_id, status=InboundStatus.RECEIVED).update(**changes)
    return InboundMessage.objects.defer("raw").filter(pk=inbound_id).first()


def _count_attempt(inbound_id: int, error: BaseException) -> None:
    """Count an attempt the database connection broke off; fail the message once MAX_ATTEMPTS in a row
    (since its last retry) did. While the database is unreachable this cannot write, and nothing is counted."""
    try:
        with transaction.atomic():
            pending = InboundMessage.objects.filter(pk=inbound_id, status=InboundStatus.RECEIVED)
            pending.update(attempts=F("attempts") + 1)
            row = pending.values("attempts", "data").first()
            if row is None:
                return
            history = row["data"].get("history", []) if isinstance(row["data"], dict) else []
            since_retry = row["attempts"] - (history[-1].get("attempts", 0) if history else 0)
            if since_retry >= MAX_ATTEMPTS:
                logger.error("Inbound message %s failed %s times in a row; giving up", inbound_id, since_retry)
                _fail(inbound_id, _failure_reason(error), attempted=False)
    except Exception:  # the database is still away: the next sweep tries again
        logger.warning("Could not count the failed attempt of inbound message %s", inbound_id, exc_info=True)


def mail_retry(*, actor: User, message: InboundMessage) -> InboundMessage:
    """Send a held or failed message through processing again (after an administrator fixed what stopped
    it: added the contact, mapped the domain, …). The previous outcome is kept in the message's history."""
    if not (actor.is_superuser or actor.staff_role == StaffRole.ADMINISTRATOR):
        raise PermissionDenied(_("Only an administrator can retry inbound e-mail."))
    with transaction.atomic():
        message = InboundMessage.objects.select_for_update().get(pk=message.pk)
        if message.status not in (InboundStatus.HELD, InboundStatus.FAILED):
            raise InvalidTransition(
                _("Only held or failed messages can be retried; this one is %(status)s.")
                % {"status": message.get_status_display().lower()},
                allowed=(InboundStatus.HELD, InboundStatus.FAILED),
            )
        history = list(message.data.get("history", []))
        history.append(
            {
                "at": now().isoformat(),
                "by": actor.pk,
                "status": message.status,
                "reason": message.reason[:500],
                "attempts": message.attempts,
            }
        )
        message.data = {**message.data, "history": history}
        message.status, message.outcome, message.reason = InboundStatus.RECEIVED, "", ""
        message.save(update_fields=["data", "status", "outcome", "reason"])
        from picocore.mail.tasks import process_inbound_message

        enqueue_on_commit(process_inbound_message, message.pk)
    return message


# -- deciding -------------------------------------------------------------------------------------------------


def _without_nul[T](value: T) -> T:
    """`value` (text, or lists, dicts and dataclasses of them, as parsing returns) with every NUL character
    removed from its texts: PostgreSQL stores none, in text columns or in JSON. Bytes are left as they are.
    The result has the type of `value`: each container is rebuilt as its own type."""
    return cast(T, _cleaned(value))


def _cleaned(value: object) -> object:
    if isinstance(value, str):
        return without_nul(value)
    if isinstance(value, list | tuple):
        return type(value)(_cleaned(item) for item in value)
    if isinstance(value, dict):
        return {_cleaned(key): _cleaned(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _cleaned(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **fields)
    return value


def _parse(message: InboundMessage) -> ParsedMessage:
    """The parsed message with NUL-free texts; a parser failure (a `RecursionError` on a header nested
    thousands deep, say) yields a broken message, held with the reason and with whatever text can be read."""
    raw = bytes(message.raw)
    try:
        parsed = parse_message(raw, envelope_sender=message.envelope_sender or None)
    except Exception as error:  # parsing should never raise; if it does, the message is held, not lost
        logger.warning("Inbound message %s could not be parsed: %s", message.pk, type(error).__name__)
        parsed = ParsedMessage(
            from_address=message.from_address,
            subject=message.subject,
            text=_plain_text(raw),
            broken=_("The message could not be read as e-mail (%(error)s), so nothing was filed.")
            % {"error": f"{type(error).__name__}: {str(error)[:300]}"},
        )
    return _without_nul(parsed)


def _plain_text(raw: bytes) -> str:
    """The body's first text/plain part, read without any address header: what an administrator needs
    to judge a message the parser could not read. Empty if even that fails."""
    from email import message_from_bytes
    from email.policy import compat32

    try:
        msg = message_from_bytes(raw, policy=compat32)
        for part in msg.walk():
            if part.get_content_type() == "text/plain" and not part.is_multipart():
                data = part.get_payload(decode=True)
                if isinstance(data, bytes):
                    return decode_bytes(data, part.get_content_charset()).replace("\r\n", "\n").strip()
    except Exception:  # nothing more can be done: the raw message is kept for download
        logger.warning("No text could be read from an unparseable message", exc_info=True)
    return ""


def _decide(message: InboundMessage) -> Decision:
    parsed = _parse(message)
    message.from_address = parsed.from_address[:ADDRESS_MAX] or message.from_address
    message.subject = truncate(one_line(parsed.subject), SUBJECT_MAX) or message.subject
    message.body_text, message.body_html = parsed.text, parsed.html
    data: dict[str, object] = {"defects": sorted(set(parsed.defects))} if parsed.defects else {}

    if (first_id := message.duplicate_of_id) is not None and not message.data.get("history"):
        return _duplicate(message, first_id, data)
    if parsed.broken:
        return Decision(InboundStatus.HELD, Outcome.BROKEN, parsed.broken, data=data)
    if parsed.automatic is not None:
        kind = Outcome.BOUNCE if parsed.automatic.kind == "bounce" else Outcome.AUTO_REPLY
        details = dict(parsed.automatic.details)
        if original := details.get("original_message_id"):
            sent = OutboxEmail.objects.filter(message_id=original).values("pk", "ticket_id").first()
            if sent is not None:
                details.update(outbox_email=sent["pk"], ticket=sent["ticket_id"])
        if details:
            data["bounce" if kind == Outcome.BOUNCE else "auto"] = details
        return Decision(InboundStatus.IGNORED, kind, parsed.automatic.reason, data=data)
    if reason := _sent_by_us(parsed):
        return Decision(InboundStatus.IGNORED, Outcome.LOOP, reason, data=data)

    policy = MailPolicy.current()
    if not message.data.get("history") and (refusal := _unauthenticated(message, parsed, policy)):
        refusal.data = {**data, **refusal.data}
        return refusal
    if _flooding(message, policy):
        reason = _(
            "Held: more than %(limit)s messages from %(sender)s in the last hour — possibly a mail loop or a "
            "runaway auto-responder."
        ) % {"limit": policy.max_messages_per_sender_per_hour, "sender": parsed.from_address}
        return Decision(InboundStatus.HELD, Outcome.FLOOD, reason, data=data)

    sender = _sender(parsed, policy)
    if isinstance(sender, Decision):
        sender.data = {**data, **sender.data}
        return sender

    recipients = list(dict.fromkeys([*message.recipients, *parsed.addressed_to]))
    route = route_reply(parsed=parsed, recipients=recipients, sender=sender)
    if route.refused:
        data["refused"] = route.refused
    uploads, notes = _uploads(parsed.parts)
    if notes:
        data["not_attached"] = notes
    shown, trimmed = split_reply(parsed.reply_text or parsed.text, subject=parsed.subject)
    data["trimmed"] = trimmed
    filing = _Filing(message, parsed, sender, recipients, policy, _with_notes(shown, notes), uploads, data)
    if route.ticket is not None:
        return _reply(filing, route.ticket, method=route.method)
    return _new_ticket(filing, refused=[item["ticket"] for item in route.refused])


def _duplicate(message: InboundMessage, first_id: int, data: dict[str, object]) -> Decision:
    """Two different messages claim one Message-ID (a broken mailer, or someone replaying an id to slip
    into a thread): neither is dropped; this one waits for an administrator, whose retry processes it."""
    first = InboundMessage.objects.only("pk", "subject", "from_address", "status").get(pk=first_id)
    data["duplicate_of"] = first.pk
    reason = _(
        "Held: inbound e-mail #%(first)s (“%(subject)s” from %(sender)s) came earlier with the same Message-ID "
        "%(message_id)s but other content. Nothing was filed; retry to process this one as well."
    ) % {
        "first": first.pk,
        "subject": first.subject or _("no subject"),
        "sender": first.from_address or "?",
        "message_id": message.message_id,
    }
    return Decision(InboundStatus.HELD, Outcome.DUPLICATE, reason, data=data)


def _sent_by_us(parsed: ParsedMessage) -> str:
    ours = {settings.PICOCORE_SUPPORT_ADDRESS.lower()}
    if "@" in settings.DEFAULT_FROM_EMAIL:
        ours.add(settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].strip(" >").lower())
    if parsed.loop_header:
        return _("Ignored: it carries PicoCore's own X-PicoCore-Loop header (mail we sent came back).")
    if parsed.from_address in ours:
        return _("Ignored: it was sent from PicoCore's own address %(address)s.") % {"address": parsed.from_address}
    if parsed.message_id and OutboxEmail.objects.filter(message_id=parsed.message_id).exists():
        return _("Ignored: it is one of PicoCore's own outgoing messages (%(id)s).") % {"id": parsed.message_id}
    return ""


def _unauthenticated(message: InboundMessage, parsed: ParsedMessage, policy: MailPolicy) -> Decision | None:
    """The decision for a sender the policy's trusted receiving servers could not authenticate (a forged
    From), or None. Checked only on first processing: an administrator's retry is their judgement."""
    trusted = policy.trusted_ids()
    if not trusted:
        return None
    values = _without_nul(authentication_headers(bytes(message.raw)))
    said = verdict(values, trusted=trusted, from_address=parsed.from_address)
    if said.authenticated is not False:
        return None
    reason = _(
        "Held: the receiving mail server %(server)s could not confirm that %(sender)s sent this message "
        "(%(results)s). It was not filed as their message; check it before retrying."
    ) % {"server": said.authserv_id, "sender": parsed.from_address, "results": said.results}
    details = {"authserv_id": said.authserv_id, "results": said.results}
    return Decision(InboundStatus.HELD, Outcome.UNAUTHENTICATED, reason, data={"authentication": details})


def _flooding(message: InboundMessage, policy: MailPolicy) -> bool:
    recent = InboundMessage.objects.filter(
        from_address=message.from_address,
        received_at__gte=message.received_at - FLOOD_WINDOW,
        received_at__lte=message.received_at,
        status=InboundStatus.PROCESSED,
    ).exclude(pk=message.pk)
    return recent.count() >= policy.max_messages_per_sender_per_hour


def _sender(parsed: ParsedMessage, policy: MailPolicy) -> User | Decision:
    """The known, active person who sent the message (perhaps a contact created now), or the decision for
    mail from anyone else."""
    address = parsed.from_address
    user = User.objects.filter(email__iexact=address).first()
    if user is not None and user.is_active:
        return user
    if user is not None:
        reason = _("Held: %(address)s belongs to a deactivated account.") % {"address": address}
        return Decision(InboundStatus.HELD, Outcome.UNKNOWN_SENDER, reason, sender=user)
    if policy.unknown_senders == UnknownSenders.REJECT:
        reason = _(
            "Rejected: %(address)s is not a known contact, and the policy rejects mail from unknown senders "
            "(no answer is sent, so spam gets no reply)."
        ) % {"address": address}
        return Decision(InboundStatus.IGNORED, Outcome.REJECTED, reason)
    if policy.unknown_senders == UnknownSenders.CREATE_CONTACT:
        domain = address.rsplit("@", 1)[-1]
        mapping = DomainMapping.objects.filter(domain__iexact=domain).select_related("organisation").first()
        if mapping is not None:
            contact = _contact_create(address=address, name=parsed.from_name, organisation=mapping.organisation)
            return contact
        reason = _("Held: %(address)s is not a known contact and %(domain)s is not mapped to an organisation.") % {
            "address": address,
            "domain": domain,
        }
        return Decision(InboundStatus.HELD, Outcome.UNKNOWN_SENDER, reason)
    reason = _("Held: %(address)s is not a known contact.") % {"address": address}
    return Decision(InboundStatus.HELD, Outcome.UNKNOWN_SENDER, reason)


def _contact_create(*, address: str, name: str, organisation: Organisation) -> User:
    """A requester of `organisation` for an unknown sender of a mapped domain; they sign in by resetting
    their password (none is set). Recorded in the audit trail."""
    try:
        with transaction.atomic():
            full_name = truncate(one_line(name), NAME_MAX) or address.split("@", 1)[0]
            user = User.objects.create_user(address, None, full_name=full_name, default_organisation=organisation)
    except IntegrityError:  # created by a concurrent message from the same person
        user = User.objects.get(email__iexact=address)
    _membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, defaults={"role": MembershipRole.REQUESTER}
    )
    if created:
        audit_record(
            actor=None,
            action=AuditAction.CREATED,
            instance=user,
            changes={
                "email": {"before": None, "after": user.email},
                "membership": {"before": None, "after": f"{organisation.name} (requester)"},
                "source": {"before": None, "after": "inbound e-mail from a mapped domain"},
            },
        )
    return user


def _uploads(parts: list[Part]) -> tuple[list[UploadedFile[bytes]], list[str]]:
    """The message's files that pass the ticket attachment limits (checked by the same function the ticket
    services use), and a note for each file that does not: those are kept in the raw message only."""
    accepted: list[UploadedFile[bytes]] = []
    notes: list[str] = []
    per_message = settings.PICOCORE_ATTACHMENTS_PER_MESSAGE
    for part in parts:
        upload = SimpleUploadedFile(part.filename, part.data, content_type=part.content_type)
        try:
            check_uploads([upload])
        except ValidationError as error:
            notes += error.field_errors.get("attachments", []) or [error.message]
            continue
        if len(accepted) >= per_message:
            notes.append(
                _("“%(name)s”: at most %(limit)s files can be attached to one message.")
                % {"name": part.filename, "limit": per_message}
            )
            continue
        accepted.append(upload)
    return accepted, notes


def _with_notes(text: str, notes: list[str]) -> str:
    if not notes:
        return text
    lines = "\n".join(_("[Not attached] %(note)s") % {"note": note} for note in notes)
    return f"{text}\n\n{lines}" if text else lines


def _reply(filing: _Filing, ticket: Ticket, *, method: str) -> Decision:
    sender, data = filing.sender, filing.data
    data["threaded_by"] = method
    try:
        event = ticket_reply(
            actor=sender, ticket=ticket, body=filing.body, files=filing.uploads,
            channel=Channel.EMAIL, inbound=filing.message.pk,
        )  # fmt: skip
    except InvalidTransition as error:
        # A finished ticket takes no more replies: the message starts a follow-up for the same organisation.
        data["follow_up_of"] = ticket.key
        return _new_ticket(filing, organisation=ticket.organisation, follow_up=(ticket, error.message))
    except ValidationError as error:
        reason = _("Held: %(key)s did not accept the reply: %(error)s") % {"key": ticket.key, "error": _describe(error)}
        return Decision(InboundStatus.HELD, Outcome.NOT_ACCEPTED, reason, organisation=ticket.organisation,
                        sender=sender, data=data)  # fmt: skip
    reason = _("Added to %(key)s (matched by %(method)s).") % {"key": ticket.key, "method": method}
    return Decision(InboundStatus.PROCESSED, Outcome.REPLY, reason, ticket, event, ticket.organisation, sender, data)


def email_request_type(*, organisation: Organisation, policy: MailPolicy) -> RequestType | None:
    """The request type of a ticket opened by e-mail: the policy's choice when the organisation's
    subscription offers it, else the first offered incident type in catalogue order, else the first
    offered service request type; None when the subscription offers neither."""
    offered = list(
        offered_request_types(organisation=organisation).filter(
            ticket_type__in=[TicketType.INCIDENT, TicketType.SERVICE_REQUEST]
        )
    )
    if chosen := next((rt for rt in offered if rt.pk == policy.request_type_id), None):
        return chosen
    for ticket_type in (TicketType.INCIDENT, TicketType.SERVICE_REQUEST):
        if found := next((rt for rt in offered if rt.ticket_type == ticket_type), None):
            return found
    return None


def _describe(error: ValidationError | PermissionDenied | NotFound) -> str:
    messages = [error.message] if not getattr(error, "field_errors", None) else []
    for field_messages in getattr(error, "field_errors", {}).values():
        messages += field_messages
    return " ".join(str(m) for m in messages)


def _new_ticket(
    filing: _Filing,
    *,
    organisation: Organisation | None = None,
    follow_up: tuple[Ticket, str] | None = None,
    refused: Sequence[str] = (),
) -> Decision:
    sender, data = filing.sender, filing.data
    if organisation is None:
        organisation, why = organisation_for(sender=sender, recipients=filing.recipients)
        if organisation is None:
            if sender.is_service_staff:
                why = _("%(address)s is a member of the service team, not a customer contact.") % {
                    "address": sender.email
                }
            return Decision(InboundStatus.HELD, Outcome.NO_ORGANISATION, _("Held: %s") % why, sender=sender, data=data)
    request_type = email_request_type(organisation=organisation, policy=filing.policy)
    if request_type is None:
        reason = _("Held: %(org)s's subscription offers no incident or service request type.") % {
            "org": organisation.name
        }
        return Decision(InboundStatus.HELD, Outcome.NOT_ACCEPTED, reason, organisation=organisation, sender=sender,
                        data=data)  # fmt: skip
    body = filing.body
    title = one_line(title_from_subject(filing.parsed.subject)) or one_line(body.splitlines()[0][:120] if body else "")
    title = truncate(title or _("E-mail from %(name)s") % {"name": sender.full_name or sender.email}, TITLE_MAX)
    description = body or _("(The e-mail had no text; see its attachments.)")
    if follow_up is not None:
        intro = _("Follow-up to %(key)s. %(why)s") % {"key": follow_up[0].key, "why": follow_up[1]}
        description = f"{intro}\n\n{description}"
    try:
        ticket = ticket_create(
            actor=sender,
            organisation=organisation,
            request_type=request_type,
            title=title,
            description=description,
            impact=request_type.default_impact,
            urgency=request_type.default_urgency,
            channel=Channel.EMAIL,
            requester=sender,
            files=filing.uploads,
            inbound=filing.message.pk,
        )
    except (ValidationError, PermissionDenied, NotFound) as error:
        reason = _("Held: no ticket could be created for %(org)s: %(error)s") % {
            "org": organisation.name,
            "error": _describe(error),
        }
        return Decision(InboundStatus.HELD, Outcome.NOT_ACCEPTED, reason, organisation=organisation, sender=sender,
                        data=data)  # fmt: skip
    event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CREATED).first()
    if follow_up is not None:
        outcome = Outcome.FOLLOW_UP
        reason = _("Created %(key)s as a follow-up: %(old)s takes no more replies.") % {
            "key": ticket.key,
            "old": follow_up[0].key,
        }
    else:
        outcome = Outcome.NEW_TICKET
        reason = _("Created %(key)s for %(org)s.") % {"key": ticket.key, "org": organisation.name}
        if refused:
            reason += " " + _("Not added to %(refused)s: %(sender)s may not write there.") % {
                "refused": ", ".join(refused),
                "sender": sender.email,
            }
    return Decision(InboundStatus.PROCESSED, outcome, reason, ticket, event, organisation, sender, data)
