from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    """A customer admin's own management of their organisation's contacts: roles, removals, invitations."""

    name = "picocore.members"
    label = "members"
    verbose_name = _("Contacts and invitations")
