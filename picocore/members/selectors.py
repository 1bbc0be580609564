"""Reading an organisation's contacts for its customer admins, and an invitation by the token of its link."""

import hashlib
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from picocore.core.errors import NotFound, PermissionDenied
from picocore.core.pagination import Page, keyset_page
from picocore.members import permissions
from picocore.members.models import Invitation
from picocore.tenancy.models import Membership, User

# What `secrets.token_urlsafe(32)` writes; anything else is no token of ours and is not looked up.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ContactsPage:
    """One page of the organisation's members (by name, then as they joined; each with their person) and its open
    invitations (newest first)."""

    members: Page
    invitations: list[Invitation]


def contacts_page(*, actor: User, membership: Membership, cursor: str | None, size: int) -> ContactsPage:
    """What the contacts page shows the actor of the organisation of `membership` (their own): the page of its
    members at `cursor` (keyset, `size` of them) and its open invitations, in two queries however many there are.
    PermissionDenied for anyone but its contacts managers."""
    organisation_id = membership.organisation_id
    if membership.user_id != actor.pk or not permissions.can_manage_contacts(
        actor, organisation_id, role=membership.role
    ):
        raise PermissionDenied(_("Only your organisation's customer admins manage its contacts."))
    members = keyset_page(
        Membership.objects.filter(organisation_id=organisation_id),
        field="user__full_name",
        descending=False,
        cursor=cursor,
        size=size,
        related=("user",),
    )
    invitations = list(
        Invitation.objects.filter(organisation_id=organisation_id, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )
    return ContactsPage(members=members, invitations=invitations)


def member_get(*, actor: User, membership_id: int) -> Membership:
    """One membership the actor manages, with its person and organisation. NotFound for one of an organisation
    the actor does not belong to (the same answer as for none); PermissionDenied for a member who does not
    manage their organisation's contacts."""
    found = Membership.objects.select_related("user", "organisation").filter(pk=membership_id).first()
    if found is None:
        raise NotFound(_("There is no such member."))
    own = Membership.objects.filter(user=actor, organisation_id=found.organisation_id).values_list("role", flat=True)
    role = next(iter(own), None)
    if role is None:
        raise NotFound(_("There is no such member."))
    if not permissions.can_manage_member(actor, found, actor_role=role):
        raise PermissionDenied(_("Only your organisation's customer admins manage its contacts."))
    return found


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation whose link carries `token`, with its organisation and sender; None for a token that is
    no invitation's (mistyped, cut short, tampered with): one query, or none for text that is no token at all."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    return (
        Invitation.objects.select_related("organisation", "invited_by").filter(token_digest=token_digest(token)).first()
    )
