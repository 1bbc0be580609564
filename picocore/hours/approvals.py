"""Asking the customer to approve work beyond the hours left, and their answer.

Guarantees: only the service team working on the ticket asks, and only when the estimate exceeds what the
month has left; one open question per ticket (asking again while it is open returns it); only the
organisation's customer admins and billing contacts answer, once (the same answer again changes nothing, another
is refused); both sides hear of it by e-mail through the outbox, in the transaction of the change; the audit trail keeps
both steps.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record, diff, snapshot
from picocore.contracts.selectors import organisation_date
from picocore.core.clock import now
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.core.text import one_line, without_nul
from picocore.hours import permissions, selectors
from picocore.hours.charts import hours_text
from picocore.hours.models import ApprovalDecision, OverageApproval
from picocore.outbox.services import OutgoingEmail, outbox_emails_add
from picocore.tenancy.models import User
from picocore.tickets.models import Ticket

KIND = "overage_approval"
NOTE_MAX = 500


def _text(value: str) -> str:
    return one_line(without_nul(value or "")).strip()[:NOTE_MAX]


def _admins(organisation_id: int) -> list[User]:
    """Who is asked: the organisation's customer admins and billing contacts (`permissions.overage_deciders`)."""
    return list(permissions.overage_deciders(organisation_id).order_by("id"))


def _email(user: User, subject: str, body: str) -> OutgoingEmail:
    return OutgoingEmail(to=user, kind=KIND, subject=subject, body_text=body)


def overage_ask(*, actor: User, ticket: Ticket, estimated_minutes: int, note: str) -> OverageApproval:
    """Ask the customer admins to approve about `estimated_minutes` of work on the ticket."""
    if not permissions.can_log_time(actor, ticket):
        if not permissions.may_see_ticket_time(actor, ticket):
            raise NotFound(_("There is no ticket with that key, or it is not yours to see."))
        raise PermissionDenied(_("Only the service team working on the ticket asks for approval."))
    note = _text(note)
    errors: dict[str, list[str]] = {}
    if (
        not isinstance(estimated_minutes, int)
        or isinstance(estimated_minutes, bool)
        or not 1 <= estimated_minutes <= 100_000
    ):
        errors["estimated_minutes"] = [_("Give the estimate in hours and minutes.")]
    if not note:
        errors["note"] = [_("Say what the work is, so the customer knows what they approve.")]
    if errors:
        raise ValidationError(field_errors=errors)
    today = organisation_date(ticket.organisation, now())
    contract = selectors.contract_on(ticket.organisation, today)
    if contract is None or not selectors.terms_of(contract).included_minutes:
        raise ValidationError(_("This customer's contract has no hour bank to exceed."))
    remaining = selectors.bank_month(contract, today).remaining
    if estimated_minutes <= remaining:
        raise ValidationError(
            _("%(left)s are left this month: the work fits, no approval is needed.") % {"left": hours_text(remaining)}
        )
    pending = OverageApproval.objects.filter(ticket=ticket, decision=ApprovalDecision.PENDING).first()
    if pending is not None:
        return pending
    try:
        with transaction.atomic():
            approval = OverageApproval.objects.create(
                organisation_id=ticket.organisation_id, ticket=ticket, contract=contract,
                estimated_minutes=estimated_minutes, remaining_minutes=remaining, note=note, asked_by=actor,
            )  # fmt: skip
            audit_record(
                actor=actor, action=AuditAction.CREATED, instance=approval, changes=diff({}, snapshot(approval))
            )
            link = settings.PICOCORE_BASE_URL.rstrip("/") + reverse("portal:hours")
            emails = []
            for admin in _admins(ticket.organisation_id):
                with translation.override(admin.email_language):
                    values = {"key": ticket.key, "estimate": hours_text(estimated_minutes),
                              "left": hours_text(remaining), "note": note, "link": link}  # fmt: skip
                    emails.append(_email(
                        admin,
                        _("[%(key)s] Approve about %(estimate)s of work? %(left)s left this month") % values,
                        _("%(note)s\n\nThe work needs about %(estimate)s; %(left)s of this month's hours are left. "
                          "Approve or decline it: %(link)s\n") % values,
                    ))  # fmt: skip
            if emails:
                outbox_emails_add(emails=emails, ticket=ticket)
    except IntegrityError:  # a concurrent ask won: its question stands
        return OverageApproval.objects.get(ticket=ticket, decision=ApprovalDecision.PENDING)
    return approval


def overage_decide(*, actor: User, approval_id: int, approve: bool, note: str = "") -> OverageApproval:
    """The answer of a customer admin or billing contact to an open question of their organisation's."""
    with transaction.atomic():
        approval = (
            OverageApproval.objects.select_for_update().select_related("ticket", "asked_by")
            .filter(pk=approval_id).first()
        )  # fmt: skip
        is_admin = approval is not None and permissions.can_decide_overage(actor, approval.organisation_id)
        if approval is None or not actor.is_active or not is_admin:
            raise NotFound(_("There is no such question, or it is not yours to answer."))
        decision = ApprovalDecision.APPROVED if approve else ApprovalDecision.DECLINED
        if approval.decision:
            if approval.decision == decision:
                return approval
            raise ValidationError(
                _("This was already answered: %(decision)s.") % {"decision": approval.get_decision_display()}
            )
        before = snapshot(approval)
        approval.decision, approval.decided_by, approval.decided_at = decision, actor, now()
        approval.decision_note = _text(note)
        approval.save(update_fields=["decision", "decided_by", "decided_at", "decision_note"])
        audit_record(
            actor=actor, action=AuditAction.CHANGED, instance=approval, changes=diff(before, snapshot(approval))
        )
        asker = approval.asked_by
        with translation.override(asker.email_language):
            values = {"key": approval.ticket.key, "who": actor.full_name, "decision": approval.get_decision_display(),
                      "note": approval.decision_note}  # fmt: skip
            email = _email(asker, _("[%(key)s] %(decision)s by %(who)s") % values,
                           _("%(who)s: %(decision)s.\n%(note)s\n") % values)  # fmt: skip
        outbox_emails_add(emails=[email], ticket=approval.ticket)
    return approval


def pending_approvals(*, actor: User, organisation_id: int) -> list[OverageApproval]:
    """The open questions a customer admin or billing contact of the organisation may answer (none for anyone
    else)."""
    if not permissions.can_decide_overage(actor, organisation_id):
        return []
    return list(
        OverageApproval.objects.filter(organisation_id=organisation_id, decision=ApprovalDecision.PENDING)
        .select_related("ticket", "asked_by")
        .order_by("asked_at", "id")
    )
