"""Reading single sign-on configuration: for the desk's pages (scoped by `permissions`) and for sign-in."""

from django.db.models import Prefetch

from picocore.core.errors import NotFound
from picocore.sso import permissions
from picocore.sso.domains import email_domain
from picocore.sso.models import GroupRole, IdentityProvider, ProviderDomain
from picocore.tenancy.models import Membership, Organisation, User


def provider_for_email(*, email: str) -> IdentityProvider | None:
    """The enabled identity provider of the organisation owning the address's domain, if any (one query).
    Anyone may ask: the answer only says where a domain's people sign in."""
    domain = email_domain(email)
    if domain is None:
        return None
    found = ProviderDomain.objects.filter(domain=domain, provider__enabled=True).select_related(
        "provider__organisation"
    )
    row = found.first()
    return row.provider if row is not None else None


def step_up_provider(*, user: User) -> IdentityProvider | None:
    """The provider through which `user` confirms it is them before a sensitive action, when they have no
    password to type (created by single sign-on): the enabled provider owning their address's domain, if they are
    a member of its organisation and not staff. None otherwise (two queries at most)."""
    if user.has_usable_password() or user.is_service_staff or user.is_staff or user.is_superuser:
        return None
    provider = provider_for_email(email=user.email)
    if provider is None or not Membership.objects.filter(user=user, organisation_id=provider.organisation_id).exists():
        return None
    return provider


def sso_organisation_list(*, actor: User) -> list[Organisation]:
    """The organisations whose sign-in the actor configures, each with its provider and domains (two queries
    whatever their number)."""
    organisations = permissions.organisations_managed(actor).select_related("identity_provider")
    return list(organisations.prefetch_related("identity_provider__domains").order_by("name"))


def sso_configuration_get(*, actor: User, organisation_id: int) -> tuple[Organisation, IdentityProvider | None]:
    """The organisation and its provider (None before one is configured), with domains and mappings read along;
    NotFound when it does not exist or the actor may not configure it."""
    if not permissions.can_manage(actor, organisation_id):
        raise NotFound
    organisation = (
        permissions.organisations_managed(actor)
        .select_related("identity_provider")
        .prefetch_related(
            "identity_provider__domains",
            Prefetch("identity_provider__group_roles", queryset=GroupRole.objects.order_by("position", "id")),
        )
        .filter(pk=organisation_id)
        .first()
    )
    if organisation is None:
        raise NotFound
    provider: IdentityProvider | None = getattr(organisation, "identity_provider", None)
    return organisation, provider
