"""Configuring an organisation's identity provider, and signing its people in through it.

Guarantees of a sign-in (`sso_sign_in_complete`): the address the provider vouches for must lie in one of the
organisation's domains, else nothing is created or changed; an account is created only as a member of that
organisation (never staff, never in another organisation); the groups claim alone decides the role there, so a
person whose groups map to no role is refused and loses the membership they had; other organisations' memberships
are left as they are. Each change of account or membership is in the audit trail, and so is every sign-in
through a provider, let in (`signed_in`, on the person) or refused (`sign_in_failed`, on the provider, with the
address it vouched for and the reason).

A step-up through the provider (`sso_step_up_confirm`) only checks: it signs nobody in and changes nothing.
"""

import datetime as dt
import functools
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import HIDDEN, audit_record, audited_delete, audited_save, diff, snapshot
from picocore.core.clock import now
from picocore.core.errors import NotFound, PicoCoreError, ValidationError
from picocore.core.text import without_nul
from picocore.sso import oidc, permissions
from picocore.sso.domains import email_domain, normalise_domain
from picocore.sso.models import GroupRole, IdentityProvider, ProviderDomain
from picocore.tenancy.choices import MembershipRole
from picocore.tenancy.models import Membership, Organisation, User
from picocore.webhooks.sealing import seal, unseal

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
SECRET_FIELD = "client_secret_sealed"  # noqa: S105 (a field name)
# How long ago a person may have signed in at their provider for that sign-in to confirm a step-up.
STEP_UP_FRESH = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class ProviderFields:
    """What a desk form gives for an identity provider. `client_secret` empty keeps the stored one; `mappings`
    are (group, role) pairs in the order they are tried."""

    issuer: str
    client_id: str
    client_secret: str
    groups_claim: str
    enabled: bool
    domains: list[str] = field(default_factory=list)
    mappings: list[tuple[str, str]] = field(default_factory=list)


class SignInRefused(PicoCoreError):
    """The provider vouched for someone PicoCore will not let in; the message tells them why."""

    status_code = 403


def _issuer_errors(issuer: str) -> list[str]:
    try:
        URLValidator(schemes=["https", "http"])(issuer)
    except DjangoValidationError:
        return [_("Give the issuer's address, such as https://login.example.com/realms/acme.")]
    parts = urllib.parse.urlsplit(issuer)
    if parts.query or parts.fragment:
        return [_("An issuer's address has no query (?…) or fragment (#…).")]
    if parts.scheme != "https" and parts.hostname not in LOOPBACK_HOSTS:
        return [_("The issuer must use https:// (plain http:// only for a provider on this machine).")]
    return []


def _clean_domains(domains: Iterable[str], errors: dict[str, list[str]]) -> list[str]:
    cleaned: list[str] = []
    for text in domains:
        if not text.strip():
            continue
        domain = normalise_domain(without_nul(text)) if "\x00" not in text else None
        if domain is None:
            errors.setdefault("domains", []).append(
                _("%(domain)s is not an e-mail domain (such as example.com).") % {"domain": without_nul(text)[:80]}
            )
        elif domain not in cleaned:
            cleaned.append(domain)
    return cleaned


def _clean_mappings(mappings: Iterable[tuple[str, str]], errors: dict[str, list[str]]) -> list[tuple[str, str]]:
    roles = set(MembershipRole.values)
    cleaned: list[tuple[str, str]] = []
    for group_text, role in mappings:
        group = without_nul(group_text).strip()
        if not group:
            continue
        if len(group) > 255:
            errors.setdefault("mappings", []).append(_("A group name has at most 255 characters."))
        elif role not in roles:
            errors.setdefault("mappings", []).append(_("Choose a role for the group %(group)s.") % {"group": group})
        elif any(group == seen for seen, _role in cleaned):
            errors.setdefault("mappings", []).append(_("The group %(group)s is mapped twice.") % {"group": group})
        else:
            cleaned.append((group, role))
    return cleaned


def _check_domains_free(organisation_id: int, domains: list[str], errors: dict[str, list[str]]) -> None:
    """Each domain belongs to one organisation only, and none may hold a member of staff's address: their
    password sign-in would be refused, and a customer's provider must never vouch for staff."""
    if not domains:
        return
    taken = sorted(
        ProviderDomain.objects.filter(domain__in=domains)
        .exclude(provider__organisation_id=organisation_id)
        .values_list("domain", flat=True)
    )
    if taken:
        errors.setdefault("domains", []).append(
            _("Already owned by another organisation: %(domains)s.") % {"domains": ", ".join(taken)}
        )
    staff_at = Q()
    for domain in domains:
        staff_at |= Q(email__iendswith=f"@{domain}")
    staff = User.objects.filter(staff_at).filter(Q(is_staff=True) | Q(is_superuser=True) | ~Q(staff_role=""))
    if staff.exists():
        errors.setdefault("domains", []).append(
            _(
                "A member of staff has an address at one of these domains; staff cannot sign in through a "
                "customer's identity provider."
            )
        )


def _validated(organisation_id: int, fields: ProviderFields, provider: IdentityProvider | None) -> ProviderFields:
    errors: dict[str, list[str]] = {}
    issuer = without_nul(fields.issuer).strip()
    client_id = without_nul(fields.client_id).strip()
    groups_claim = without_nul(fields.groups_claim).strip()
    secret = without_nul(fields.client_secret)
    if issuer_errors := _issuer_errors(issuer) if len(issuer) <= 500 else [_("At most 500 characters.")]:
        errors["issuer"] = issuer_errors
    if not client_id or len(client_id) > 255:
        errors["client_id"] = [_("Give the client id the provider issued (at most 255 characters).")]
    if not groups_claim or len(groups_claim) > 100 or any(c.isspace() for c in groups_claim):
        errors["groups_claim"] = [_("Give the name of the claim that lists the person's groups, such as groups.")]
    if len(secret) > 1000:
        errors["client_secret"] = [_("At most 1000 characters.")]
    elif not secret and provider is None:
        errors["client_secret"] = [_("Give the client secret the provider issued.")]
    domains = _clean_domains(fields.domains, errors)
    mappings = _clean_mappings(fields.mappings, errors)
    _check_domains_free(organisation_id, domains, errors)
    if fields.enabled and not domains:
        errors.setdefault("domains", []).append(_("Single sign-on needs at least one e-mail domain."))
    if fields.enabled and not mappings:
        errors.setdefault("mappings", []).append(_("Map at least one group to a role, or nobody could sign in."))
    if errors:
        raise ValidationError(field_errors=errors)
    return ProviderFields(issuer=issuer, client_id=client_id, client_secret=secret, groups_claim=groups_claim,
                          enabled=fields.enabled, domains=domains, mappings=mappings)  # fmt: skip


def _audit_snapshot(provider: IdentityProvider) -> dict[str, Any]:
    values = snapshot(provider)
    values[SECRET_FIELD] = HIDDEN
    values["domains"] = sorted(provider.domains.values_list("domain", flat=True))
    values["group_roles"] = [f"{row.group} → {row.role}" for row in provider.group_roles.order_by("position", "id")]
    return values


def identity_provider_save(*, actor: User, organisation_id: int, fields: ProviderFields) -> IdentityProvider:
    """Create or change the organisation's identity provider, its domains and its group mapping in one
    transaction, recorded in the audit trail (the secret as "(hidden)"), and forgets the cached discovery document
    of the issuer it had and of the one it has (saving is also how to make a changed provider be read afresh).
    Nothing changes on a refusal."""
    if not permissions.can_manage(actor, organisation_id):
        raise NotFound
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().filter(pk=organisation_id).first()
        if organisation is None:
            raise NotFound
        provider = IdentityProvider.objects.filter(organisation=organisation).first()
        clean = _validated(organisation_id, fields, provider)
        before = _audit_snapshot(provider) if provider is not None else {}
        previous_issuer = provider.issuer if provider is not None else ""
        if provider is None:
            provider = IdentityProvider(organisation=organisation)
        provider.issuer, provider.client_id = clean.issuer, clean.client_id
        provider.groups_claim, provider.enabled = clean.groups_claim, clean.enabled
        if clean.client_secret:
            provider.client_secret_sealed = seal(clean.client_secret)
        try:
            with transaction.atomic():
                provider.save()
                provider.domains.exclude(domain__in=clean.domains).delete()
                kept = set(provider.domains.values_list("domain", flat=True))
                ProviderDomain.objects.bulk_create(
                    [ProviderDomain(provider=provider, domain=d) for d in clean.domains if d not in kept]
                )
        except IntegrityError as error:  # another organisation took a domain in the meantime
            raise ValidationError(
                field_errors={"domains": [_("One of these domains was just given to another organisation.")]}
            ) from error
        provider.group_roles.all().delete()
        GroupRole.objects.bulk_create(
            [GroupRole(provider=provider, group=g, role=r, position=i) for i, (g, r) in enumerate(clean.mappings)]
        )
        changes = diff(before, _audit_snapshot(provider))
        if clean.client_secret and before:
            changes[SECRET_FIELD] = {"before": HIDDEN, "after": "(changed)"}
        audit_record(actor=actor, action=AuditAction.CHANGED if before else AuditAction.CREATED, instance=provider,
                     changes=changes)  # fmt: skip
        transaction.on_commit(functools.partial(_forget_discovery, {previous_issuer, provider.issuer}))
    return provider


def _forget_discovery(issuers: set[str]) -> None:
    for issuer in issuers - {""}:
        oidc.discovery_forget(issuer)


def client_secret(provider: IdentityProvider) -> str:
    """The provider's client secret in the clear, for the token request only."""
    return unseal(provider.client_secret_sealed)


def _groups(claims: dict[str, Any], claim: str) -> set[str]:
    value = claims.get(claim)
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {item for item in value if isinstance(item, str)}
    return set()


def role_for_groups(provider: IdentityProvider, groups: set[str]) -> str | None:
    """The role of the first mapping row (by position) naming one of `groups`, among roles that exist."""
    roles = set(MembershipRole.values)
    for row in provider.group_roles.order_by("position", "id"):
        if row.group in groups and row.role in roles:
            return row.role
    return None


@dataclass(frozen=True)
class _Outcome:
    user: User | None
    refusal: str = ""


def _vouched_email(provider: IdentityProvider, claims: dict[str, Any]) -> str:
    email = claims.get("email")
    if not isinstance(email, str) or "\x00" in email or len(email) > 254:
        raise SignInRefused(_("Your organisation's sign-in service did not tell us your e-mail address."))
    email = email.strip().lower()
    try:
        EmailValidator()(email)
    except DjangoValidationError as error:
        raise SignInRefused(
            _("Your organisation's sign-in service gave an e-mail address that is not valid.")
        ) from error
    if claims.get("email_verified") is False:
        raise SignInRefused(_("Your organisation's sign-in service has not verified your e-mail address."))
    if email_domain(email) not in set(provider.domains.values_list("domain", flat=True)):
        raise SignInRefused(
            _("%(email)s is not an address of %(organisation)s, so it cannot sign in through its sign-in service.")
            % {"email": email, "organisation": provider.organisation.name}
        )
    return email


def _full_name(claims: dict[str, Any], email: str) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not without_nul(name).strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(part for part in parts if isinstance(part, str))
    return without_nul(name).strip()[:150] or email.split("@", 1)[0][:150]


def _settle(provider: IdentityProvider, claims: dict[str, Any]) -> _Outcome:
    organisation = provider.organisation
    email = _vouched_email(provider, claims)
    role = role_for_groups(provider, _groups(claims, provider.groups_claim))
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and (user.staff_role or user.is_staff or user.is_superuser):
        raise SignInRefused(_("Staff accounts cannot sign in through a customer's sign-in service."))
    if user is not None and not user.is_active:
        raise SignInRefused(_("This account is disabled. Ask your administrator."))
    membership = Membership.objects.filter(user=user, organisation=organisation).first() if user else None
    if role is None:
        if membership is not None:  # the group that gave the role is gone: so is the role
            audited_delete(actor=user, instance=membership)
        return _Outcome(None, _("Your account at %(organisation)s's sign-in service is in no group that gives "
                                "access to PicoCore. Ask your administrator to add you to one.")
                        % {"organisation": organisation.name})  # fmt: skip
    if user is None:
        user = User.objects.create_user(email, None, full_name=_full_name(claims, email),
                                        default_organisation=organisation)  # fmt: skip
        audit_record(actor=user, action=AuditAction.CREATED, instance=user, changes=diff({}, snapshot(user)))
    if membership is None:
        membership = Membership(user=user, organisation=organisation, role=role)
        audited_save(actor=user, instance=membership)
    elif membership.role != role:
        membership.role = role
        audited_save(actor=user, instance=membership)
    return _Outcome(user)


def sso_sign_in_complete(*, provider_id: int, claims: dict[str, Any]) -> User:
    """The person the provider's verified ID token claims name, found by e-mail or created just in time as a
    member of the provider's organisation, with the role their groups give. SignInRefused (nothing created,
    the refusal audited) for an address outside the organisation's domains, a staff or disabled account, or
    groups mapping to no role (then the membership they had in this organisation is removed before refusing)."""
    with transaction.atomic():
        provider = (
            IdentityProvider.objects.select_related("organisation")
            .select_for_update(of=("self",))
            .filter(pk=provider_id, enabled=True)
            .first()
        )
        if provider is None:
            raise SignInRefused(_("Single sign-on is no longer enabled for your organisation; sign in again."))
        try:
            with transaction.atomic():
                outcome = _settle(provider, claims)
        except SignInRefused as refused:
            outcome = _Outcome(None, refused.message)
        vouched = {"email": {"before": None, "after": str(claims.get("email", ""))[:254]},
                   "provider": {"before": None, "after": provider.issuer}}  # fmt: skip
        if outcome.user is None:
            audit_record(actor=None, action=AuditAction.SIGN_IN_FAILED, instance=provider,
                         changes={**vouched, "reason": {"before": None, "after": outcome.refusal}})  # fmt: skip
        else:
            audit_record(actor=outcome.user, action=AuditAction.SIGNED_IN, instance=outcome.user, changes=vouched)
    if outcome.user is None:
        raise SignInRefused(outcome.refusal)
    return outcome.user


def _fresh(provider: IdentityProvider, claims: dict[str, Any]) -> None:
    """The ID token says the person signed in at the provider within `STEP_UP_FRESH` (its `auth_time`)."""
    service = {"organisation": provider.organisation.name}
    auth_time = claims.get("auth_time")
    if not isinstance(auth_time, int | float) or isinstance(auth_time, bool):
        raise SignInRefused(
            _("%(organisation)s's sign-in service did not say when you signed in there, so it cannot confirm it is "
              "you. Ask your administrator to have it send the auth_time claim.") % service
        )  # fmt: skip
    age = now().timestamp() - auth_time
    if age > STEP_UP_FRESH.total_seconds() or age < -oidc.CLOCK_SKEW_SECONDS:
        raise SignInRefused(
            _("%(organisation)s's sign-in service did not have you sign in again just now, so it cannot confirm it "
              "is you. Try again; if it persists, ask your administrator.") % service
        )  # fmt: skip


def sso_step_up_confirm(*, provider_id: int, actor: User, claims: dict[str, Any]) -> None:
    """That the provider's verified ID token confirms a step-up of `actor`: the address it vouches for (in the
    organisation's domains) is the actor's own, the actor is an active, non-staff member of the provider's
    organisation, and they signed in there within `STEP_UP_FRESH`; SignInRefused otherwise.

    It writes nothing, roles included: group → role sync happens at sign-in only. Instead, when the groups no
    longer give the role the person holds, the step-up is refused and they are asked to sign in again, which
    settles the role; so a person taken out of the administrators' group cannot confirm an administrator's
    action with the session they still have."""
    provider = IdentityProvider.objects.select_related("organisation").filter(pk=provider_id, enabled=True).first()
    if provider is None:
        raise SignInRefused(_("Single sign-on is no longer enabled for your organisation; sign in again."))
    email = _vouched_email(provider, claims)
    vouched_for = User.objects.filter(email__iexact=email).first()
    if vouched_for is None or vouched_for.pk != actor.pk:
        raise SignInRefused(
            _("The sign-in service confirmed %(email)s, who is not the person signed in here. Sign out of the "
              "sign-in service, then confirm again as yourself.") % {"email": email}
        )  # fmt: skip
    membership = Membership.objects.filter(user=actor, organisation=provider.organisation).first()
    if membership is None or not actor.is_active or actor.is_service_staff or actor.is_staff or actor.is_superuser:
        raise SignInRefused(
            _("You cannot confirm it is you through %(organisation)s's sign-in service.")
            % {"organisation": provider.organisation.name}
        )
    if role_for_groups(provider, _groups(claims, provider.groups_claim)) != membership.role:
        raise SignInRefused(
            _("Your groups at %(organisation)s's sign-in service have changed since you signed in. Sign out and "
              "sign in again, then retry.") % {"organisation": provider.organisation.name}
        )  # fmt: skip
    _fresh(provider, claims)
