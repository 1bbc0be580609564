from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "picocore.catalog"
    label = "catalog"
    verbose_name = _("Request catalogue")

    def ready(self) -> None:
        from picocore.catalog.models import FormField, PriorityRule, RequestType
        from picocore.core import reference

        # Reference data (`picocore.core.reference`): a change here moves the token every process compares.
        reference.track(RequestType, FormField, PriorityRule)
