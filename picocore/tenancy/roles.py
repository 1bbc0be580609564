"""What each role in a customer organisation may do: the one table the domains' permission policies
(`picocore/*/permissions.py`) consult, instead of lists of roles spread over the code.

A person holds one role per organisation (`Membership.role`). The roles, as a demanding customer would
expect them:

- **requester**: files requests and takes part in those they see (replies, confirms or reopens a resolution,
  rates their own, shares their own with the organisation). Which requests they see is the organisation's
  setting (`Organisation.request_visibility`: their own, their own and those shared, or all).
- **customer admin**: everything a requester may, for the whole organisation whatever its setting; manages its
  contacts and their roles, reads its hour bank and reviews, answers overage approvals, makes the change calendar
  feed, subscribes status-page webhooks, posts its own monitoring's alerts and hears of everything. They decide
  changes where they are among the approver contacts (not merely by being admin: not every admin is asked).
- **approver**: a requester who also approves changes. Every member with this role is one of the
  organisation's approvers: when a change's approval is asked, they are asked along with the approver contacts
  of its landscape (`picocore.cmdb.Contact` with role approver), as such a contact linked to them (kept by
  `picocore.changes.approvals.approver_contacts_sync`), so the counting (any one, all, N of them), the signed
  links and the decisions stay one per contact. A contact linked to a person decides whatever that person's
  role; the role adds the person to the approvers, it does not take anyone away.
- **billing contact**: a requester who also answers for the money: reads the hour bank (all of the
  organisation's billable time, whatever they see of its requests), answers overage approvals, receives the
  monthly service reviews and the hour-bank warnings.
- **viewer**: reads all of the organisation's requests (an observer, a manager, an auditor) and what every member
  reads (changes, landscape, knowledge, status page); submits nothing, replies to nothing, shares nothing, and
  decides changes only when the landscape names them an approver contact.

Hours a requester may read depend on the contract's terms (`requesters_see_hours`): `HOURS_BY_TERMS`.
"""

from enum import StrEnum

from picocore.tenancy.choices import MembershipRole


class Capability(StrEnum):
    """One thing a role may do in its organisation."""

    SUBMIT = "submit"
    """File requests for oneself."""
    TAKE_PART = "take_part"
    """Reply to, confirm, reopen and rate the requests one sees; share one's own with the organisation."""
    SEE_ALL_REQUESTS = "see_all_requests"
    """See every request of the organisation, whatever its request visibility."""
    ANSWER_FOR_REQUESTS = "answer_for_requests"
    """Answer for every request of the organisation: share or unshare anyone's, filter the list by requester."""
    FILTER_BY_REQUESTER = "filter_by_requester"
    """Narrow the list of requests to one person's (only for who sees them all by role)."""
    READ_CHANGES = "read_changes"
    """Read the organisation's changes in the portal."""
    APPROVE_CHANGES = "approve_changes"
    """Be one of the organisation's approvers of changes, asked for every change (see the module's docstring)."""
    MAINTENANCE_NOTICES = "maintenance_notices"
    """Receive the notices of the organisation's changes: scheduled, moved, started, completed, cancelled."""
    CHANGE_FEED = "change_feed"
    """Make the organisation's change calendar feed."""
    HOURS = "hours"
    """Read the organisation's hour bank and all its billable time; hear the hour-bank warnings."""
    HOURS_BY_TERMS = "hours_by_terms"
    """Read the hour bank (of the requests one sees) when the contract's terms let requesters see it."""
    DECIDE_OVERAGE = "decide_overage"
    """Approve or decline work beyond the hours left."""
    REVIEWS = "reviews"
    """Read and receive the monthly service reviews."""
    MANAGE_MEMBERS = "manage_members"
    """Invite, remove and change the role of the organisation's contacts."""
    PERSONAL_DATA = "personal_data"
    """Export and erase the personal data of the organisation's members (`picocore.privacy.permissions`)."""
    STATUS_WEBHOOK = "status_webhook"
    """Subscribe a webhook URL to the organisation's status page."""
    POST_ALERTS = "post_alerts"
    """Post payloads of one's own monitoring to the organisation's alert integrations."""
    HEAR_INCIDENTS = "hear_incidents"
    """Be the requester of incidents opened from the organisation's monitoring when its integration names none."""


C = Capability
_REQUESTER = frozenset({C.SUBMIT, C.TAKE_PART, C.READ_CHANGES, C.HOURS_BY_TERMS})

ROLES: dict[str, frozenset[Capability]] = {
    MembershipRole.REQUESTER: _REQUESTER,
    # A customer admin decides changes where they are among the approver contacts (as the demo's is), not by role:
    # an organisation's admins are not all asked to approve every change.
    MembershipRole.CUSTOMER_ADMIN: frozenset(Capability) - {C.APPROVE_CHANGES},
    MembershipRole.APPROVER: _REQUESTER | {C.APPROVE_CHANGES, C.MAINTENANCE_NOTICES},
    MembershipRole.BILLING_CONTACT: _REQUESTER | {C.HOURS, C.DECIDE_OVERAGE, C.REVIEWS},
    MembershipRole.VIEWER: frozenset({C.SEE_ALL_REQUESTS, C.FILTER_BY_REQUESTER, C.READ_CHANGES, C.HOURS_BY_TERMS}),
}
"""Role → what it may do. Every `MembershipRole` has a row (a test holds it so)."""


def may(role: str | None, capability: Capability) -> bool:
    """Whether the role (None or blank: no membership) has the capability. No query."""
    return bool(role) and capability in ROLES.get(role or "", frozenset())


def roles_with(capability: Capability) -> list[str]:
    """The roles that have the capability, sorted: for queries (`memberships__role__in=roles_with(…)`)."""
    return sorted(role for role, capabilities in ROLES.items() if capability in capabilities)
