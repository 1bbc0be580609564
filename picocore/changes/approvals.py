"""Where a change's approval stands: the customer's approvers (per the contract's policy: any one, all, or N of the
organisation's approver contacts — its members with the approver role among them, `approver_contacts_sync`) and the
internal CAB (a quorum of service managers), each deciding the change's current approval round separately. Pure
counting over the recorded decisions; the services that ask, decide and remind build on it.

Guarantees: one rejection by a customer approver, or by a CAB member, rejects the round; the customer side is
approved when the policy's count of approvals is reached (all = every approver contact asked in the round); the CAB
side when `CabSettings.quorum` service managers approved. A round is approved only when both are.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import translation
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record, diff, snapshot
from picocore.changes.choices import ApprovalRule, ChangeEventKind, ChangeStatus, ChangeType, Decision, DecisionChannel
from picocore.changes.links import link_request, link_url
from picocore.changes.models import (
    ApprovalPolicy,
    ApprovalRequest,
    CabSettings,
    CabVote,
    Change,
    ChangeEvent,
    CustomerDecision,
)
from picocore.cmdb.choices import ContactRole
from picocore.cmdb.models import Contact
from picocore.contracts.selectors import contracts_in_force_query
from picocore.core.clock import now
from picocore.core.errors import NotFound, PermissionDenied, PicoCoreError, ValidationError
from picocore.core.text import without_nul
from picocore.outbox.services import OutgoingEmail, outbox_emails_add
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from picocore.tenancy.roles import Capability
from picocore.tenancy.scope import members_with, reach, serves

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


@dataclass(frozen=True)
class SideState:
    """One side's standing in the round: its outcome, approvals so far, approvals needed."""

    outcome: str
    approvals: int
    needed: int


@dataclass(frozen=True)
class ApprovalState:
    customer: SideState
    cab: SideState

    @property
    def outcome(self) -> str:
        if REJECTED in (self.customer.outcome, self.cab.outcome):
            return REJECTED
        if self.customer.outcome == APPROVED and self.cab.outcome == APPROVED:
            return APPROVED
        return PENDING


def policy_for(change: Change) -> ApprovalPolicy:
    """The approval policy of the contract in force for the change's organisation; any one approver without one.
    One query."""
    in_force = contracts_in_force_query(organisation=change.organisation).values("id")[:1]
    policy = ApprovalPolicy.objects.filter(contract_id=Subquery(in_force)).first()
    return policy if policy is not None else ApprovalPolicy(rule=ApprovalRule.ANY, needed=1)


def cab_settings() -> CabSettings:
    settings, _ = CabSettings.objects.get_or_create(pk=CabSettings.SINGLETON)
    return settings


def needed_approvals(policy: ApprovalPolicy, approvers: int) -> int:
    """How many customer approvals the policy asks of `approvers` contacts: never more than there are (a policy of
    three with two approvers needs both), and at least one."""
    if policy.rule == ApprovalRule.ALL:
        wanted = approvers
    elif policy.rule == ApprovalRule.COUNT:
        wanted = policy.needed
    else:
        wanted = 1
    return max(1, min(wanted, approvers)) if approvers else 1


def _side(decisions: list[str], needed: int) -> SideState:
    approvals = decisions.count(Decision.APPROVED)
    if Decision.REJECTED in decisions:
        outcome = REJECTED
    elif approvals >= needed:
        outcome = APPROVED
    else:
        outcome = PENDING
    return SideState(outcome=outcome, approvals=approvals, needed=needed)


def approval_state(change: Change) -> ApprovalState:
    """Where the change's current approval round stands on both sides (a few small queries)."""
    round_ = change.approval_round
    customer = list(CustomerDecision.objects.filter(change=change, round=round_).values_list("decision", flat=True))
    votes = list(CabVote.objects.filter(change=change, round=round_).values_list("decision", flat=True))
    return _state_of(change, customer, votes)


def _state_of(change: Change, customer: list[str], votes: list[str]) -> ApprovalState:
    """The round's state from its customer decisions and CAB votes, as read by the caller."""
    approvers = Contact.objects.filter(organisation_id=change.organisation_id, role=ContactRole.APPROVER).count()
    needed = needed_approvals(policy_for(change), approvers)
    return ApprovalState(customer=_side(customer, needed), cab=_side(votes, cab_settings().quorum))


# --- Asking, deciding, voting, reminding ------------------------------------------------------------------------
#
# Guarantees of the services below: each takes `actor=`, runs in one transaction holding the change's row lock
# (so two decisions at once are counted one after the other), writes its rows with their audit entries and change
# history, and queues its e-mails in the outbox in the same transaction. Only the round's approver contacts decide
# for the customer (in the portal: a contact whose user is the actor; by link: the contact it was sent to); only
# service managers vote for the CAB. The same decision again changes nothing; a different second one is refused;
# a rejection needs its reason. When the round's outcome becomes final, the change moves on through the one
# transition service (scheduled when approved, rejected when rejected).

KIND_REQUEST = "change_approval"
KIND_REMINDER = "change_approval_reminder"
REASON_MAX = 1000
# The CAB: service managers (and administrators, who may do what they do).
MANAGERS = (StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


@dataclass(frozen=True)
class DecisionResult:
    """What a decision did: the decision recorded (or the one already there), whether this call recorded it, and
    where the round now stands."""

    decision: CustomerDecision | CabVote
    created: bool
    state: ApprovalState


def _signed_in(actor: User | None) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active)


def _reason(value: str) -> str:
    return without_nul(value or "").strip()


def _check_decision(decision: str, reason: str) -> None:
    errors: dict[str, list[str]] = {}
    if decision not in Decision.values:
        errors["decision"] = [_("Choose to approve or to reject.")]
    if decision == Decision.REJECTED and not reason:
        errors["reason"] = [_("Say why you reject the change, so the team can change the plan.")]
    if len(reason) > REASON_MAX:
        errors["reason"] = [_("Keep the reason to %(max)s characters.") % {"max": REASON_MAX}]
    if errors:
        raise ValidationError(field_errors=errors)


def _missing() -> NotFound:
    return NotFound(_("There is no change with that number, or it is not yours to see."))


def _locked_change(change_id: int) -> Change:
    change = Change.objects.select_for_update(of=("self",)).select_related("organisation").filter(pk=change_id).first()
    if change is None:
        raise _missing()
    return change


# An emergency change is approved after the fact: its round opens when it enters review and stays open to
# decisions while it is reviewed (or failed), until it closes.
AFTER_THE_FACT = frozenset({ChangeStatus.REVIEW, ChangeStatus.FAILED})


def open_for_decision(change: Change) -> bool:
    """Whether the change's current round takes decisions now: a normal change awaiting approval, or an emergency
    change in review (or failed) whose approval after the fact was asked."""
    if change.change_type == ChangeType.EMERGENCY:
        return change.approval_round > 0 and change.status in AFTER_THE_FACT
    return change.change_type == ChangeType.NORMAL and change.status == ChangeStatus.AWAITING_APPROVAL


def _awaiting(change: Change) -> None:
    if not open_for_decision(change):
        raise ValidationError(
            _("%(key)s is not awaiting approval (it is %(status)s): there is nothing to decide now.")
            % {"key": change.key, "status": change.get_status_display()}
        )


def may_vote(actor: User | None) -> bool:
    """Whether the actor sits on the CAB: signed-in service managers and administrators."""
    return _signed_in(actor) and actor is not None and actor.staff_role in MANAGERS


def approver_request_for(actor: User | None, change: Change) -> ApprovalRequest | None:
    """The actor's request of the change's current round, when they are one of its approver contacts (and still a
    member of the organisation); None for anyone else."""
    if not _signed_in(actor) or actor is None or change.organisation_id not in reach(actor).member_of:
        return None
    return (
        ApprovalRequest.objects.select_related("contact")
        .filter(change=change, round=change.approval_round, contact__user=actor, contact__role=ContactRole.APPROVER)
        .order_by("id")
        .first()
    )


def _email(change: Change, requests: list[ApprovalRequest], *, reminder: bool) -> None:
    """Queue each approver contact's request (or reminder) with its signed link, in their language, in the
    current transaction; a contact with no address is skipped."""
    emails = []
    for request in requests:
        contact = request.contact
        user = contact.user if contact.user_id and contact.user and contact.user.is_active else None
        address = contact.email or (user.email if user else "")
        if not address:
            continue
        with translation.override(user.email_language if user else settings.LANGUAGE_CODE):
            window = (
                _("from %(start)s to %(end)s (UTC)")
                % {"start": f"{change.planned_start:%Y-%m-%d %H:%M}", "end": f"{change.planned_end:%Y-%m-%d %H:%M}"}
                if change.planned_start and change.planned_end
                else _("not planned yet")
            )
            values = {"key": change.key, "title": change.title, "name": contact.name, "window": window,
                      "reason": change.reason, "link": link_url(request),
                      "expires": f"{request.expires_at:%Y-%m-%d %H:%M} UTC"}  # fmt: skip
            subject = (
                _("Reminder: [%(key)s] Approve the change “%(title)s”?")
                if reminder
                else _("[%(key)s] Approve the change “%(title)s”?")
            ) % values
            body = (
                _(
                    "Dear %(name)s,\n\nWe ask you to approve or reject a change to your solution.\n\n"
                    "%(key)s %(title)s\nWindow: %(window)s\nWhy: %(reason)s\n\n"
                    "Decide here (the link works once, until %(expires)s): %(link)s\n"
                    "A reason is needed to reject.\n"
                )
                % values
            )
        kind = KIND_REMINDER if reminder else KIND_REQUEST
        emails.append(OutgoingEmail(to=user, address=address, kind=kind, subject=subject, body_text=body))
    if emails:
        outbox_emails_add(emails=emails, organisation_id=change.organisation_id)


def approver_contacts_sync(*, actor: User | None, organisation_id: int) -> list[Contact]:
    """Make every active member whose role approves changes (`picocore.tenancy.roles.Capability.APPROVE_CHANGES`:
    the approver role) one of the organisation's approver contacts, so that they are asked, counted and decide as
    those are: an approver contact with the same address and no person yet is linked to them, else one is made
    (named and addressed as the person). Contacts are never removed here: a person who loses the role stays an
    approver contact until the landscape's contacts say otherwise. Returns the contacts made or linked."""
    linked = Contact.objects.filter(organisation_id=organisation_id, role=ContactRole.APPROVER, user__isnull=False)
    members = list(
        members_with(organisation_id, Capability.APPROVE_CHANGES)
        .exclude(pk__in=linked.values("user_id"))
        .order_by("id")
    )
    touched = []
    for member in members:
        contact = (
            Contact.objects.filter(
                organisation_id=organisation_id,
                role=ContactRole.APPROVER,
                user__isnull=True,
                email__iexact=member.email,
            )
            .order_by("id")
            .first()
        )
        if contact is not None:
            before = snapshot(contact)
            contact.user = member
            contact.save(update_fields=["user", "updated_at"])
            audit_record(
                actor=actor, action=AuditAction.CHANGED, instance=contact, changes=diff(before, snapshot(contact))
            )
        else:
            contact, created = Contact.objects.get_or_create(
                organisation_id=organisation_id,
                role=ContactRole.APPROVER,
                name=member.full_name[:150] or member.email,
                email=member.email,
                defaults={"user": member},
            )
            if not created:
                continue  # an approver contact of that name and address linked to someone else: theirs stands
            audit_record(actor=actor, action=AuditAction.CREATED, instance=contact, changes=diff({}, snapshot(contact)))
        touched.append(contact)
    return touched


def approvals_request(*, actor: User | None, change: Change) -> list[ApprovalRequest]:
    """Ask the organisation's approver contacts to decide the change's current approval round (the transition
    service opens a round when the change enters awaiting approval, and calls this in its transaction): one request
    per approver contact, each e-mailed their signed one-time link. Asking again in the same round asks only the
    approver contacts not asked yet. Members with the approver role are approver contacts
    (`approver_contacts_sync`)."""
    with transaction.atomic():
        locked = _locked_change(change.pk)
        if locked.approval_round < 1:
            raise ValidationError(_("%(key)s has no approval round open.") % {"key": locked.key})
        approver_contacts_sync(actor=actor, organisation_id=locked.organisation_id)
        moment = now()
        expires = moment + dt.timedelta(days=cab_settings().approval_link_days)
        asked = ApprovalRequest.objects.filter(change=locked, round=locked.approval_round).values("contact_id")
        contacts = list(
            Contact.objects.filter(organisation_id=locked.organisation_id, role=ContactRole.APPROVER)
            .exclude(pk__in=asked)
            .select_related("user")
            .order_by("id")
        )
        requests = ApprovalRequest.objects.bulk_create(
            [
                ApprovalRequest(
                    organisation_id=locked.organisation_id,
                    change=locked,
                    contact=contact,
                    round=locked.approval_round,
                    asked_at=moment,
                    expires_at=expires,
                )
                for contact in contacts
            ]
        )
        for request, contact in zip(requests, contacts, strict=True):
            request.contact = contact
            audit_record(actor=actor, action=AuditAction.CREATED, instance=request, changes=diff({}, snapshot(request)))
        _email(locked, requests, reminder=False)
    return requests


def _settle(*, actor: User | None, change: Change) -> ApprovalState:
    """Where the round stands after a decision; a final outcome moves the change on."""
    state = approval_state(change)
    if state.outcome != PENDING:
        _move_on(actor=actor, change=change, outcome=state.outcome)
    return state


def _move_on(*, actor: User | None, change: Change, outcome: str) -> None:
    """The round's outcome is final: to rejected when rejected (a move only the approval services make), to
    scheduled when approved — through the one transition service. An approved change whose window no longer
    holds (a freeze declared since, a window moved) stays awaiting approval with its decisions kept and a
    history entry saying why, for its planner to move; the decision itself is never undone by that."""
    # Imported here: the transition service asks this module for the approval state.
    from picocore.changes.services.lifecycle import change_transition

    if change.change_type != ChangeType.NORMAL:
        # Approval after the fact (emergency): the decisions are the record; the change is already implemented.
        return

    target = ChangeStatus.REJECTED if outcome == REJECTED else ChangeStatus.SCHEDULED
    try:
        with transaction.atomic():
            change_transition(actor=actor, change_id=change.pk, target=target, by_decision=True)
    except PicoCoreError as error:
        if target == ChangeStatus.REJECTED:
            raise
        # Said on the change's history, with why, so its planner sees what to move.
        ChangeEvent.objects.create(change=change, kind=ChangeEventKind.NOT_SCHEDULED, actor=actor,
                                   data={"reason": error.message, "round": change.approval_round})  # fmt: skip


def customer_decide(
    *, actor: User | None, change_id: int, decision: str, reason: str = "", token: str = ""
) -> DecisionResult:
    """One approver contact's decision on the change's current round: in the portal (`actor` is the contact's
    user) or through the signed link of their e-mail (`token`; `actor` may be anonymous). By link, the link is used
    up by the decision; a used, expired or tampered link is refused (`LinkRefused`) and changes nothing."""
    reason = _reason(reason)
    with transaction.atomic():
        change = _locked_change(change_id)
        if token:
            request = link_request(token, for_update=True)
            if request.change_id != change.pk:
                raise _missing()
            channel = DecisionChannel.LINK
            user = actor if _signed_in(actor) else None
        else:
            if not _signed_in(actor) or actor is None or change.organisation_id not in reach(actor).member_of:
                raise _missing()
            found = approver_request_for(actor, change)
            if found is None:
                raise PermissionDenied(_("Only the organisation's approvers asked to decide this change decide it."))
            request, channel, user = found, DecisionChannel.PORTAL, actor
        _awaiting(change)
        _check_decision(decision, reason)
        existing = CustomerDecision.objects.filter(
            change=change, contact_id=request.contact_id, round=change.approval_round
        ).first()
        if existing is not None:
            if existing.decision == decision:
                return DecisionResult(decision=existing, created=False, state=approval_state(change))
            raise ValidationError(
                _("You already decided this change: %(decision)s. A decision cannot be changed.")
                % {"decision": existing.get_decision_display()}
            )
        moment = now()
        made = CustomerDecision.objects.create(
            organisation_id=change.organisation_id, change=change, contact_id=request.contact_id, user=user,
            round=change.approval_round, decision=decision,
            reason=reason if decision == Decision.REJECTED or reason else "", channel=channel, decided_at=moment,
        )  # fmt: skip
        ApprovalRequest.objects.filter(pk=request.pk, used_at__isnull=True).update(used_at=moment)
        audit_record(actor=user, action=AuditAction.CREATED, instance=made, changes=diff({}, snapshot(made)))
        ChangeEvent.objects.create(
            change=change, kind=ChangeEventKind.CUSTOMER_DECISION, actor=user, created_at=moment,
            data={"contact": request.contact.name, "decision": decision, "reason": made.reason, "channel": channel,
                  "round": change.approval_round},
        )  # fmt: skip
        state = _settle(actor=user, change=change)
    return DecisionResult(decision=made, created=True, state=state)


def cab_vote(*, actor: User, change_id: int, decision: str, reason: str = "") -> DecisionResult:
    """A service manager's vote for the CAB on the change's current round (a reason needed to reject)."""
    reason = _reason(reason)
    with transaction.atomic():
        change = _locked_change(change_id)
        if not serves(actor, change.organisation_id):
            raise _missing()
        if not may_vote(actor):
            raise PermissionDenied(_("Only service managers vote for the change advisory board."))
        if change.change_type == ChangeType.STANDARD:
            # Normal changes before they are scheduled, emergency ones after the fact; standard ones never.
            raise ValidationError(
                _("Standard changes are pre-approved: they do not go before the change advisory board.")
            )
        _awaiting(change)
        _check_decision(decision, reason)
        existing = CabVote.objects.filter(change=change, voter=actor, round=change.approval_round).first()
        if existing is not None:
            if existing.decision == decision:
                return DecisionResult(decision=existing, created=False, state=approval_state(change))
            raise ValidationError(
                _("You already voted on this change: %(decision)s. A vote cannot be changed.")
                % {"decision": existing.get_decision_display()}
            )
        moment = now()
        vote = CabVote.objects.create(
            change=change, voter=actor, round=change.approval_round, decision=decision, reason=reason,
            decided_at=moment,
        )  # fmt: skip
        audit_record(actor=actor, action=AuditAction.CREATED, instance=vote, changes=diff({}, snapshot(vote)))
        ChangeEvent.objects.create(
            change=change, kind=ChangeEventKind.CAB_DECISION, actor=actor, created_at=moment,
            data={"decision": decision, "reason": reason, "round": change.approval_round},
        )  # fmt: skip
        state = _settle(actor=actor, change=change)
    return DecisionResult(decision=vote, created=True, state=state)


def approvals_remind(*, moment: dt.datetime | None = None) -> int:
    """Re-send the link to every approver contact of a change awaiting approval who has not decided its current
    round, once `CabSettings.reminder_hours` have passed since they were asked or last reminded: at most once per
    interval (`reminded_at`), never after their decision, never for an expired link. Returns how many were
    reminded. Idempotent: a second run in the same interval finds nobody."""
    moment = moment or now()
    due = moment - dt.timedelta(hours=cab_settings().reminder_hours)
    decided = CustomerDecision.objects.filter(
        change_id=OuterRef("change_id"), contact_id=OuterRef("contact_id"), round=OuterRef("round")
    )
    candidates = (
        ApprovalRequest.objects.filter(
            Q(change__change_type=ChangeType.NORMAL, change__status=ChangeStatus.AWAITING_APPROVAL)
            | Q(change__change_type=ChangeType.EMERGENCY, change__status__in=sorted(AFTER_THE_FACT)),
            round=F("change__approval_round"),
            used_at__isnull=True,
            expires_at__gt=moment,
        )
        .filter(Q(reminded_at__lte=due) | Q(reminded_at__isnull=True, asked_at__lte=due))
        .exclude(Exists(decided))
        .values_list("pk", flat=True)
    )
    reminded = 0
    for request_id in list(candidates):
        with transaction.atomic():
            # Claimed by one UPDATE, so two sweeps at once remind once.
            claimed = (
                ApprovalRequest.objects.filter(pk=request_id)
                .filter(Q(reminded_at__lte=due) | Q(reminded_at__isnull=True, asked_at__lte=due))
                .update(reminded_at=moment)
            )
            if not claimed:
                continue
            request = ApprovalRequest.objects.select_related("change", "contact__user").get(pk=request_id)
            _email(request.change, [request], reminder=True)
            reminded += 1
    return reminded


@dataclass(frozen=True)
class ApprovalPanel:
    """What the desk's approval panel shows of a change's current round: the standing, each approver's request and
    decision, the CAB's votes, and whether the person may vote now."""

    state: ApprovalState
    rows: list[tuple[ApprovalRequest, CustomerDecision | None]]
    votes: list[CabVote]
    may_vote: bool
    voted: CabVote | None


def approval_panel(*, actor: User, change: Change) -> ApprovalPanel:
    """The panel of the change's current round (a constant number of queries)."""
    round_ = change.approval_round
    requests = list(
        ApprovalRequest.objects.filter(change=change, round=round_).select_related("contact").order_by("contact__name")
    )
    decisions = {
        d.contact_id: d for d in CustomerDecision.objects.filter(change=change, round=round_).select_related("user")
    }
    votes = list(CabVote.objects.filter(change=change, round=round_).select_related("voter").order_by("decided_at"))
    voted = next((v for v in votes if v.voter_id == actor.pk), None)
    open_to_vote = open_for_decision(change) and voted is None
    state = _state_of(change, [d.decision for d in decisions.values()], [v.decision for v in votes])
    return ApprovalPanel(
        state=state, rows=[(r, decisions.get(r.contact_id)) for r in requests], votes=votes,
        may_vote=open_to_vote and may_vote(actor), voted=voted,
    )  # fmt: skip
