from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "picocore.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from picocore.contracts.models import Contract, SlaTarget, Tier
        from picocore.core import reference

        # Reference data (`picocore.core.reference`): a change here moves the token every process compares.
        reference.track(Tier, Contract, SlaTarget)
