from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "picocore.tenancy"
    label = "tenancy"
    verbose_name = _("Organisations and people")

    def ready(self) -> None:
        from picocore.core import reference
        from picocore.tenancy.models import Membership, Organisation, Team, User

        # Reference data (`picocore.core.reference`): a change here moves the token every process compares.
        reference.track(Organisation, Team, Membership)
        # Signing in writes only last_login: not a change anyone keeps.
        reference.track(User, ignoring=frozenset({"last_login"}))
