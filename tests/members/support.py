"""Helpers for the contacts and invitation tests: sending an invitation and reading its link from the outbox, and
a snapshot of everything a refused request must leave as it was."""

import re

from picocore.audit.models import AuditEntry
from picocore.members.models import Invitation
from picocore.members.services import INVITATION_KIND, invitation_create
from picocore.outbox.models import OutboxEmail
from picocore.security.models import SignedInSession
from picocore.tenancy.models import Membership, Organisation, User

LINK = re.compile(r"https?://\S+/portal/invitations/(?P<token>[A-Za-z0-9_-]+)/")


def token_in(email: OutboxEmail) -> str:
    found = LINK.search(email.body_text)
    assert found, email.body_text
    return found["token"]


def invite(
    actor: User, organisation: Organisation, email: str, role: str = "requester", **kwargs
) -> tuple[Invitation, str]:
    """Send an invitation as `actor`; the invitation and the token of the link its e-mail carries."""
    invitation = invitation_create(actor=actor, organisation_id=organisation.pk, email=email, role=role, **kwargs)
    sent = OutboxEmail.objects.filter(kind=INVITATION_KIND, to_address=invitation.email).latest("id")
    return invitation, token_in(sent)


def state() -> dict:
    """Everything a contacts or invitation request could change."""
    return {
        "users": list(User.objects.order_by("pk").values_list("pk", "email", "full_name", "default_organisation_id")),
        "memberships": list(Membership.objects.order_by("pk").values_list("pk", "user_id", "organisation_id", "role")),
        "invitations": list(
            Invitation.objects.order_by("pk").values_list("pk", "email", "role", "accepted_at", "revoked_at")
        ),
        "outbox": OutboxEmail.objects.count(),
        "audit": AuditEntry.objects.count(),
        "sessions": SignedInSession.objects.count(),
    }
