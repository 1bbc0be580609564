"""A customer admin manages their organisation's contacts: invitations by e-mail, roles, removals.

Guarantees:
- Access is checked here, through `permissions`, whatever the caller checked before: a contact of another
  organisation is not found (the same answer as a missing one); a member who is no customer admin is refused.
- An organisation always keeps a customer admin: the last one can neither be demoted nor removed. The
  organisation's row is locked first, so two admins demoting each other at once cannot both succeed.
- An invitation link carries a random token whose digest alone is stored; it works once, until it expires
  (`INVITATION_VALID_FOR`), unless revoked. Accepting twice (a double submit) makes one membership.
- The e-mail is written to the outbox in the same transaction (sent by the worker, never here), in the language
  of the account at that address if it has chosen one, else in the language the admin chose.
- A customer admin sends at most `INVITATIONS_PER_HOUR` invitations an hour, counted under a lock on their own
  row. Nothing the admin is told depends on whether the address has an account (no enumeration): only on
  whether it is already a member or invited to their own organisation.
- Every change (invitation sent, revoked, accepted, role changed, member removed) is in the audit trail in the
  same transaction; nothing changes on a refusal.
"""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record, audited_delete, audited_save, diff, snapshot
from picocore.core.clock import now
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.core.text import without_nul
from picocore.members import permissions
from picocore.members.models import Invitation
from picocore.members.selectors import invitation_by_token, token_digest
from picocore.outbox.services import OutgoingEmail, outbox_emails_add
from picocore.security.sessions import sessions_end_all
from picocore.sso.domains import email_domain
from picocore.sso.selectors import provider_for_email
from picocore.tenancy.choices import MembershipRole
from picocore.tenancy.models import Membership, Organisation, User
from picocore.tenancy.roles import Capability, roles_with

INVITATION_VALID_FOR = dt.timedelta(days=7)
INVITATIONS_PER_HOUR = 20
INVITATION_KIND = "invitation"
EMAIL_MAX_LENGTH = Invitation._meta.get_field("email").max_length or 254
NAME_MAX_LENGTH = User._meta.get_field("full_name").max_length or 150
SUBJECT_TEMPLATE = "members/invitation_subject.txt"
BODY_TEMPLATE = "members/invitation_email.txt"


@dataclass(frozen=True)
class InvitationProblem:
    """Why an invitation link cannot be used, for the person who opened it; `status` is the page's HTTP status."""

    message: str
    status: int


def _not_a_manager() -> PermissionDenied:
    return PermissionDenied(_("Only your organisation's customer admins manage its contacts."))


def _locked_organisation(actor: User, organisation_id: int) -> Organisation:
    """The organisation's row, locked for this transaction, once the actor is known to manage its contacts
    (read under the lock, so a demotion that just committed counts). NotFound when the actor is no member."""
    organisation = Organisation.objects.select_for_update().filter(pk=organisation_id).first()
    roles = Membership.objects.filter(user=actor, organisation_id=organisation_id).values_list("role", flat=True)
    role = next(iter(roles), None)
    if organisation is None or role is None:
        raise NotFound(_("There is no such organisation."))
    if not permissions.can_manage_contacts(actor, organisation_id, role=role):
        raise _not_a_manager()
    return organisation


def _role_label(role: str) -> str:
    return str(MembershipRole(role).label)


def _clean_role(role: str, field: str = "role") -> str:
    if role not in {value for value, _label in permissions.assignable_roles()}:
        raise ValidationError(field_errors={field: [_("Choose one of the roles.")]})
    return role


def clean_email(text: str) -> str:
    """The address as it is stored and compared: trimmed, lower case; ValidationError for anything else."""
    if "\x00" in text:
        raise ValidationError(field_errors={"email": [_("An e-mail address cannot hold a NUL character.")]})
    email = text.strip().lower()
    if not email:
        raise ValidationError(field_errors={"email": [_("Give the e-mail address of the person to invite.")]})
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            field_errors={"email": [_("An e-mail address has at most %(n)d characters.") % {"n": EMAIL_MAX_LENGTH}]}
        )
    try:
        EmailValidator()(email)
    except DjangoValidationError as error:
        raise ValidationError(
            field_errors={"email": [_("Enter an e-mail address such as name@example.com.")]}
        ) from error
    return email


def _clean_language(language: str) -> str:
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError(field_errors={"language": [_("Choose one of the languages.")]})
    return language


def _within_hourly_limit(actor: User) -> None:
    """Refuse an invitation over the admin's hourly limit (their user row locked: parallel requests count
    one after the other)."""
    User.objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True).first()
    sent = Invitation.objects.filter(invited_by=actor, created_at__gte=now() - dt.timedelta(hours=1)).count()
    if sent >= INVITATIONS_PER_HOUR:
        raise ValidationError(
            _("You sent %(n)d invitations in the last hour, the most there may be; try again later.")
            % {"n": INVITATIONS_PER_HOUR}
        )


def _email(invitation: Invitation, *, token: str, language: str, single_sign_on: bool) -> OutgoingEmail:
    link = settings.PICOCORE_BASE_URL.rstrip("/") + reverse("members:invitation", args=[token])
    with translation.override(language):
        context = {
            "organisation": invitation.organisation.name,
            "inviter": invitation.invited_by.full_name if invitation.invited_by else "",
            "role": _role_label(invitation.role),
            "link": link,
            "days": INVITATION_VALID_FOR.days,
            "expires": formats.date_format(invitation.expires_at, "DATE_FORMAT"),
            "single_sign_on": single_sign_on,
        }
        subject = "".join(render_to_string(SUBJECT_TEMPLATE, context).splitlines())
        body = render_to_string(BODY_TEMPLATE, context)
    return OutgoingEmail(to=None, address=invitation.email, kind=INVITATION_KIND, subject=subject, body_text=body)


def _audited_invitation(invitation: Invitation) -> dict[str, dict[str, object]]:
    return {
        "email": {"before": None, "after": invitation.email},
        "role": {"before": None, "after": invitation.role},
        "expires_at": {"before": None, "after": invitation.expires_at.isoformat()},
    }


def invitation_create(*, actor: User, organisation_id: int, email: str, role: str, language: str = "") -> Invitation:
    """Invite `email` to the organisation with `role`: an open invitation, and its e-mail in the outbox.
    ValidationError (nothing saved, nothing queued) for an address that is not one, is already a member or
    invited, or belongs to the organisation's own single sign-on (its people come in through their provider,
    which gives their role), for an unknown role, or past the admin's hourly limit."""
    fields = {"email": clean_email(email), "role": _clean_role(role), "language": _clean_language(language)}
    address = fields["email"]
    with transaction.atomic():
        _within_hourly_limit(actor)
        organisation = _locked_organisation(actor, organisation_id)
        provider = provider_for_email(email=address)
        if provider is not None and provider.organisation_id == organisation.pk:
            raise ValidationError(field_errors={"email": [
                _("People at %(domain)s sign in through %(organisation)s's own sign-in service, which gives them "
                  "their role from their groups there: they need no invitation.")
                % {"domain": email_domain(address), "organisation": organisation.name}]})  # fmt: skip
        if Membership.objects.filter(organisation=organisation, user__email__iexact=address).exists():
            raise ValidationError(field_errors={"email": [
                _("%(email)s is already a member of %(organisation)s.")
                % {"email": address, "organisation": organisation.name}]})  # fmt: skip
        moment = now()
        for earlier in Invitation.objects.select_for_update().filter(
            organisation=organisation, email=address, accepted_at__isnull=True, revoked_at__isnull=True
        ):
            if earlier.expires_at > moment:
                raise ValidationError(field_errors={"email": [
                    _("An invitation to %(email)s is waiting already, until %(date)s. Revoke it below to send "
                      "a new one.") % {"email": address,
                                       "date": formats.date_format(earlier.expires_at, "DATE_FORMAT")}]})  # fmt: skip
            # An expired one is closed, so that the new one is the address's one open invitation.
            earlier.revoked_at = moment
            earlier.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action=AuditAction.CHANGED, instance=earlier,
                         changes={"revoked_at": {"before": None, "after": moment.isoformat()}})  # fmt: skip
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            organisation=organisation,
            invited_by=actor,
            token_digest=token_digest(token),
            created_at=moment,
            expires_at=moment + INVITATION_VALID_FOR,
            **fields,
        )
        audit_record(
            actor=actor, action=AuditAction.CREATED, instance=invitation, changes=_audited_invitation(invitation)
        )
        # One query whether or not the address has an account; what it finds changes only the e-mail's language.
        account_language = User.objects.filter(email__iexact=address).values_list("language", flat=True).first()
        language = account_language or fields["language"] or settings.LANGUAGE_CODE
        outbox_emails_add(
            emails=[_email(invitation, token=token, language=language, single_sign_on=provider is not None)],
            organisation_id=organisation.pk,
        )
    return invitation


def invitation_revoke(*, actor: User, invitation_id: int) -> Invitation:
    """Withdraw an open invitation: its link stops working at once. NotFound for an invitation of an
    organisation the actor does not belong to; ValidationError for one accepted or revoked already."""
    found = Invitation.objects.filter(pk=invitation_id).values_list("organisation_id", flat=True).first()
    if found is None:
        raise NotFound(_("There is no such invitation."))
    with transaction.atomic():
        _locked_organisation(actor, found)
        invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
        if invitation.accepted_at is not None:
            raise ValidationError(_("%(email)s has accepted this invitation already.") % {"email": invitation.email})
        if invitation.revoked_at is not None:
            raise ValidationError(_("This invitation was revoked already."))
        invitation.revoked_at, invitation.revoked_by = now(), actor
        invitation.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(actor=actor, action=AuditAction.CHANGED, instance=invitation,
                     changes={"revoked_at": {"before": None, "after": invitation.revoked_at.isoformat()}})  # fmt: skip
    return invitation


def invitation_problem(invitation: Invitation | None, *, at: dt.datetime | None = None) -> InvitationProblem | None:
    """Why this invitation's link cannot be used now (None: it can), in words for the person holding it."""
    if invitation is None:
        return InvitationProblem(
            _("This invitation link is not valid. Check that you opened the whole link from the e-mail, or ask for "
              "a new invitation."), 404)  # fmt: skip
    names = {"organisation": invitation.organisation.name}
    if invitation.accepted_at is not None:
        return InvitationProblem(
            _("This invitation has been used already. Sign in to reach %(organisation)s.") % names, 410
        )
    if invitation.revoked_at is not None:
        return InvitationProblem(
            _("This invitation was withdrawn. Ask a customer admin of %(organisation)s for a new one if you still "
              "need access.") % names, 410)  # fmt: skip
    if invitation.expires_at <= (at or now()):
        return InvitationProblem(
            _("This invitation expired on %(date)s. Ask a customer admin of %(organisation)s for a new one.")
            % {**names, "date": formats.date_format(invitation.expires_at, "DATE_FORMAT")}, 410)  # fmt: skip
    return None


class InvitationRefused(ValidationError):
    """The link cannot be used (see `invitation_problem`); nothing was created."""

    def __init__(self, problem: InvitationProblem) -> None:
        super().__init__(problem.message)
        self.status_code = problem.status


def _usable_locked(token: str) -> Invitation:
    """The token's invitation, its row locked and still usable; InvitationRefused otherwise."""
    found = invitation_by_token(token)
    invitation = (
        Invitation.objects.select_for_update().select_related("organisation").filter(pk=found.pk).first()
        if found is not None
        else None
    )
    problem = invitation_problem(invitation)
    if problem is not None:
        raise InvitationRefused(problem)
    assert invitation is not None
    return invitation


def _join(invitation: Invitation, user: User) -> Membership:
    """Make `user` a member with the invitation's role (a member already keeps their role), mark the
    invitation used; both audited."""
    membership = Membership.objects.filter(user=user, organisation=invitation.organisation).first()
    if membership is None:
        membership = Membership(user=user, organisation=invitation.organisation, role=invitation.role)
        audited_save(actor=user, instance=membership)
    invitation.accepted_at, invitation.accepted_by = now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(actor=user, action=AuditAction.CHANGED, instance=invitation,
                 changes={"accepted_at": {"before": None, "after": invitation.accepted_at.isoformat()},
                          "accepted_by": {"before": None, "after": user.email}})  # fmt: skip
    return membership


def clean_full_name(text: str) -> str:
    name = " ".join(without_nul(text).split())
    if not name:
        raise ValidationError(field_errors={"full_name": [_("Give your name as colleagues should see it.")]})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(field_errors={"full_name": [_("At most %(n)d characters.") % {"n": NAME_MAX_LENGTH}]})
    return name


def invitation_accept_new(*, token: str, full_name: str, password: str) -> User:
    """A person without an account accepts: an account at the invited address with their name and password
    (Django's password validators), a member with the invited role. InvitationRefused for a link that cannot
    be used; ValidationError for a name or password refused, an address at a single sign-on domain (its people
    sign in through their provider) or one that has an account (its person signs in first). Nothing is created
    on a refusal; of two submits of the same link, the second is refused (the link is used)."""
    with transaction.atomic():
        invitation = _usable_locked(token)
        if provider_for_email(email=invitation.email) is not None:
            raise ValidationError(_("You sign in through your organisation's sign-in service, not with a password."))
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(
                _("%(email)s has an account already: sign in with it to accept.") % {"email": invitation.email}
            )
        name = clean_full_name(full_name)
        candidate = User(email=invitation.email, full_name=name)
        try:
            validate_password(password, user=candidate)
        except DjangoValidationError as error:
            raise ValidationError(field_errors={"password1": list(error.messages)}) from error
        try:
            with transaction.atomic():
                user = User.objects.create_user(invitation.email, password, full_name=name,
                                                language=invitation.language,
                                                default_organisation=invitation.organisation)  # fmt: skip
        except IntegrityError as error:  # the address got an account in the meantime
            raise ValidationError(
                _("%(email)s has an account already: sign in with it to accept.") % {"email": invitation.email}
            ) from error
        audit_record(actor=user, action=AuditAction.CREATED, instance=user, changes=diff({}, snapshot(user)))
        _join(invitation, user)
    return user


def invitation_accept_existing(*, actor: User, token: str) -> Membership:
    """The signed-in person accepts with their account: a member with the invited role (someone who became a
    member meanwhile keeps the role they have). InvitationRefused for a link that cannot be used;
    PermissionDenied when the invitation is for another address than theirs."""
    with transaction.atomic():
        invitation = _usable_locked(token)
        if not actor.is_active or actor.email.lower() != invitation.email:
            raise PermissionDenied(
                _("This invitation is for %(email)s, and you are signed in as %(you)s. Sign out, then open the "
                  "link again.") % {"email": invitation.email, "you": actor.email})  # fmt: skip
        return _join(invitation, actor)


def _member_locked(actor: User, membership_id: int) -> tuple[Organisation, Membership, int]:
    """The membership, its organisation locked (the actor managing its contacts) and its number of admins."""
    found = Membership.objects.filter(pk=membership_id).values_list("organisation_id", flat=True).first()
    if found is None:
        raise NotFound(_("There is no such member."))
    organisation = _locked_organisation(actor, found)
    membership = Membership.objects.select_related("user").filter(pk=membership_id).first()
    if membership is None:
        raise NotFound(_("There is no such member."))
    admins = Membership.objects.filter(
        organisation=organisation, role__in=roles_with(Capability.MANAGE_MEMBERS)
    ).count()
    return organisation, membership, admins


def _last_admin(organisation: Organisation, membership: Membership) -> ValidationError:
    return ValidationError(
        _("%(name)s is the only %(role)s of %(organisation)s: make someone else %(role)s first, so that someone can "
          "still manage its contacts. Nothing was changed.")
        % {"name": membership.user.full_name or membership.user.email,
           "role": _role_label(permissions.MANAGING_ROLE).lower(), "organisation": organisation.name}
    )  # fmt: skip


def member_role_set(*, actor: User, membership_id: int, role: str) -> Membership:
    """Give a member of the actor's organisation another role; the same role changes nothing. ValidationError
    for an unknown role or for demoting the last customer admin; NotFound for another organisation's member."""
    role = _clean_role(role)
    with transaction.atomic():
        organisation, membership, admins = _member_locked(actor, membership_id)
        if membership.role == role:
            return membership
        if not permissions.keeps_an_admin(admins=admins, membership=membership, new_role=role):
            raise _last_admin(organisation, membership)
        membership.role = role
        audited_save(actor=actor, instance=membership)
    return membership


def member_remove(*, actor: User, membership_id: int) -> Membership:
    """End a person's membership of the actor's organisation. Their requests stay (they belong to the
    organisation); they no longer reach it from their next request, it stops being their default organisation,
    and when it was their only place here (and they are no member of staff) every session they are signed in
    with is ended. ValidationError for the last customer admin; NotFound for another organisation's member."""
    with transaction.atomic():
        organisation, membership, admins = _member_locked(actor, membership_id)
        if not permissions.keeps_an_admin(admins=admins, membership=membership, new_role=None):
            raise _last_admin(organisation, membership)
        person = membership.user
        audited_delete(actor=actor, instance=membership)
        if person.default_organisation_id == organisation.pk:
            person.default_organisation = None
            person.save(update_fields=["default_organisation"])
        if not person.staff_role and not Membership.objects.filter(user=person).exists():
            person_id = person.pk
            transaction.on_commit(lambda: sessions_end_all(user_id=person_id))
    return membership
