"""Who may configure an organisation's single sign-on: asked by the selectors to scope, by the services before
they write and by the pages to choose what to offer.

An identity provider decides who gets into an organisation's data, so only service managers and administrators
configure it, and only for organisations they serve (`tenancy.scope.serves`: today they serve all). Consultants,
developers and customers see none of it: the pages answer them 404.
"""

from django.db.models import QuerySet

from picocore.tenancy.models import Organisation, User
from picocore.tenancy.scope import STAFF_SEEING_ALL, served_organisations, serves


def may_manage_sso(actor: User) -> bool:
    """Use the single sign-on pages at all."""
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active and actor.staff_role in STAFF_SEEING_ALL)


def can_manage(actor: User, organisation_id: int) -> bool:
    """Create and change `organisation_id`'s identity provider."""
    return may_manage_sso(actor) and serves(actor, organisation_id)


def organisations_managed(actor: User) -> QuerySet[Organisation]:
    """The organisations whose single sign-on the actor configures (none for anyone else)."""
    if not may_manage_sso(actor):
        return Organisation.objects.none()
    return served_organisations(actor)
