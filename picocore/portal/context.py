"""Which of the signed-in person's organisations the portal is showing."""

from picocore.core import reference
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tenancy.models import Membership

SESSION_KEY = "portal_organisation_id"


def portal_memberships(request: AuthenticatedRequest) -> list[Membership]:
    """The person's memberships with their organisations, by organisation name. Kept per process while the
    reference data is unchanged (`reference.cached`; memberships and organisations are tracked), so a request
    reads them from the database only after a change: shared, never change them."""
    cache = vars(request)
    if "_portal_memberships" not in cache:
        cache["_portal_memberships"] = list(reference.cached("portal.memberships", _memberships, request.user.pk))
    memberships: list[Membership] = cache["_portal_memberships"]
    return memberships


def _memberships(user_id: int) -> tuple[Membership, ...]:
    return tuple(
        Membership.objects.filter(user_id=user_id).select_related("organisation").order_by("organisation__name")
    )


def current_membership(request: AuthenticatedRequest) -> Membership | None:
    """The membership chosen in this session, else the person's default organisation, else the first."""
    memberships = portal_memberships(request)
    if not memberships:
        return None
    by_org: dict[int | None, Membership] = {m.organisation_id: m for m in memberships}
    # Each step falls through on its own: a session naming an organisation the person has since left must
    # still land on their default organisation, not on whichever comes first.
    return (
        by_org.get(request.session.get(SESSION_KEY))
        or by_org.get(request.user.default_organisation_id)
        or memberships[0]
    )


def choose_organisation(request: AuthenticatedRequest, organisation_id: int) -> Membership | None:
    """Switch the session to one of the person's organisations; None (and no change) for any other id."""
    membership = next((m for m in portal_memberships(request) if m.organisation_id == organisation_id), None)
    if membership is not None:
        request.session[SESSION_KEY] = organisation_id
    return membership
