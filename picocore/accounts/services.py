"""A person's own account settings."""

from django.conf import settings
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record
from picocore.core.errors import ValidationError
from picocore.tenancy.models import User


def user_language_set(*, actor: User, language: str) -> None:
    """Store the language the person reads pages and e-mails in; "" follows the browser's preference."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError(_("%(language)s is not an available language.") % {"language": language})
    if actor.language != language:
        actor.language = language
        actor.save(update_fields=["language"])


def sign_in_record(*, user: User) -> None:
    """Audit that the person signed in (password, and second factor where they have one)."""
    audit_record(actor=user, action=AuditAction.SIGNED_IN, instance=user, changes={})


def sign_in_failure_record(*, email: str) -> None:
    """Audit a refused password or second-factor code against the account of `email`, with no actor; for an
    address with no account nothing (it names nobody, and anyone could fill the trail with them). Never the
    password or code."""
    account = User.objects.filter(email=email.strip().lower()).first() if email else None
    if account is not None:
        audit_record(actor=None, action=AuditAction.SIGN_IN_FAILED, instance=account, changes={})
