from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmdbConfig(AppConfig):
    name = "picocore.cmdb"
    label = "cmdb"
    verbose_name = _("Customer landscapes")

    def ready(self) -> None:
        from picocore.cmdb.models import Component, Environment, Solution
        from picocore.core import reference

        # Reference data (`picocore.core.reference`): a change here moves the token every process compares.
        reference.track(Solution, Environment, Component)
