"""Where a change's approval stands: the customer's approvers (per the contract's policy: any one, all, or N of
the organisation's approver contacts) and the internal CAB (a quorum of service managers), each deciding the
change's current approval round separately. Pure counting over the recorded decisions; the services that ask,
decide and remind build on it.

Guarantees: one rejection by a customer approver, or by a CAB member, rejects the round; the customer side is
approved when the policy's count of approvals is reached (all = every approver contact asked in the round);
the CAB side when `CabSettings.quorum` service managers approved. A round is approved only when both are.
"""

from dataclasses import dataclass

from picocore.changes.choices import ApprovalRule, Decision
from picocore.changes.models import ApprovalPolicy, CabSettings, CabVote, Change, CustomerDecision
from picocore.cmdb.choices import ContactRole
from picocore.cmdb.models import Contact
from picocore.contracts.selectors import contract_in_force

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


def approver_contacts(organisation_id: int) -> list[Contact]:
    """The organisation's approver contacts, in a stable order."""
    return list(Contact.objects.filter(organisation_id=organisation_id, role=ContactRole.APPROVER).order_by("id"))


def policy_for(change: Change) -> ApprovalPolicy:
    """The approval policy of the contract in force for the change's organisation; any one approver without one."""
    contract = contract_in_force(organisation=change.organisation)
    if contract is not None:
        policy = ApprovalPolicy.objects.filter(contract=contract).first()
        if policy is not None:
            return policy
    return ApprovalPolicy(rule=ApprovalRule.ANY, needed=1)


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
    needed = needed_approvals(policy_for(change), len(approver_contacts(change.organisation_id)))
    return ApprovalState(customer=_side(customer, needed), cab=_side(votes, cab_settings().quorum))
