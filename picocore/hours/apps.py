from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HoursConfig(AppConfig):
    name = "picocore.hours"
    label = "hours"
    verbose_name = _("Time and the hour bank")

    def ready(self) -> None:
        from picocore.core import reference
        from picocore.hours.models import HourTerms

        # What a contract includes in hours is configuration: kept per process (`picocore.hours.selectors.terms_of`).
        reference.track(HourTerms)
