"""Building blocks for the approval, calendar and feed tests: changes made directly (as the lifecycle's own
services would leave them), approver contacts, service managers."""

import datetime as dt
import itertools
from dataclasses import dataclass

from picocore.changes.approvals import approvals_request
from picocore.changes.choices import ApprovalRule, ChangeStatus, ChangeType
from picocore.changes.feeds import organisation_feed_make
from picocore.changes.links import link_token
from picocore.changes.models import ApprovalPolicy, CabSettings, Change
from picocore.cmdb.choices import ContactRole
from picocore.cmdb.models import Contact
from picocore.contracts.models import Contract
from picocore.tenancy.choices import MembershipRole, StaffRole
from picocore.tenancy.models import Organisation, User
from tests import factories

_numbers = itertools.count(1000)
START = dt.datetime(2027, 3, 2, 20, 0, tzinfo=dt.UTC)


def make_change(
    organisation: Organisation,
    *,
    by: User,
    status: str = ChangeStatus.AWAITING_APPROVAL,
    change_type: str = ChangeType.NORMAL,
    start: dt.datetime | None = START,
    hours: int = 2,
    title: str = "Upgrade Akeneo to 7.0",
    **fields,
) -> Change:
    if status == ChangeStatus.AWAITING_APPROVAL:
        fields.setdefault("approval_round", 1)  # as the transition service leaves it on entering the status
    number = fields.pop("number", None) or next(_numbers)
    return Change.objects.create(
        organisation=organisation, number=number, change_type=change_type, status=status, title=title,
        reason="Security fixes.", planned_start=start, planned_end=start + dt.timedelta(hours=hours) if start else None,
        requested_by=by, **fields,
    )  # fmt: skip


def approver(organisation: Organisation, name: str, *, user: User | None = None, email: str = "") -> Contact:
    return Contact.objects.create(
        organisation=organisation, role=ContactRole.APPROVER, name=name,
        email=email or f"{name.lower().replace(' ', '.')}@example.test", user=user,
    )  # fmt: skip


def portal_approver(organisation: Organisation, name: str) -> tuple[User, Contact]:
    """A customer admin of the organisation who is also one of its approver contacts."""
    user = factories.UserFactory(full_name=name)
    factories.MembershipFactory(user=user, organisation=organisation, role=MembershipRole.CUSTOMER_ADMIN)
    return user, approver(organisation, name, user=user, email=user.email)


def service_manager(name: str = "Sam Manager") -> User:
    return factories.StaffFactory(full_name=name, staff_role=StaffRole.SERVICE_MANAGER)


def set_policy(organisation: Organisation, rule: str, needed: int = 1) -> ApprovalPolicy:
    contract = Contract.objects.filter(organisation=organisation).first()
    assert contract is not None
    return ApprovalPolicy.objects.update_or_create(contract=contract, defaults={"rule": rule, "needed": needed})[0]


def set_cab(quorum: int = 1, *, reminder_hours: int = 24, link_days: int = 7) -> CabSettings:
    return CabSettings.objects.update_or_create(
        pk=CabSettings.SINGLETON,
        defaults={"quorum": quorum, "reminder_hours": reminder_hours, "approval_link_days": link_days},
    )[0]


@dataclass(frozen=True)
class ApprovalWorld:
    """What the fuzz walk names: real approval-link and feed tokens, and change ids (ACME's, Nord's, a missing one)."""

    tokens: list[str]
    change_ids: list[str]


def change_approval_world(desk) -> ApprovalWorld:
    """ACME's change awaiting approval with the customer admin as its approver, its link and ACME's feed; and a
    scheduled change of Nord's."""
    manager = desk.manager
    change = make_change(desk.acme.organisation, by=manager)
    approver(desk.acme.organisation, "Fuzz Approver", user=desk.acme.admin, email=desk.acme.admin.email)
    request = approvals_request(actor=manager, change=change)[0]
    nord = make_change(desk.nord.organisation, by=manager, status=ChangeStatus.SCHEDULED, title="Nord's change")
    feed = organisation_feed_make(actor=manager, organisation_id=desk.acme.organisation.pk)
    return ApprovalWorld(tokens=[link_token(request), feed.token], change_ids=[str(change.pk), str(nord.pk), "999999"])


__all__ = [
    "START",
    "ApprovalRule",
    "approver",
    "make_change",
    "portal_approver",
    "service_manager",
    "set_cab",
    "set_policy",
]  # fmt: skip
