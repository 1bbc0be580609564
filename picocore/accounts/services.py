"""A person's own account settings."""

from django.conf import settings
from django.utils.translation import gettext as _

from picocore.core.errors import ValidationError
from picocore.tenancy.models import User


def user_language_set(*, actor: User, language: str) -> None:
    """Store the language the person reads pages and e-mails in; "" follows the browser's preference."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError(_("%(language)s is not an available language.") % {"language": language})
    if actor.language != language:
        actor.language = language
        actor.save(update_fields=["language"])
