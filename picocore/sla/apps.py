from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "picocore.sla"
    label = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from picocore.core import reference
        from picocore.sla.models import BusinessHoursCalendar, CalendarClosedDay, CalendarExtraOpen, CalendarInterval

        # Reference data (`picocore.core.reference`): a change here moves the token every process compares.
        reference.track(BusinessHoursCalendar, CalendarInterval, CalendarClosedDay, CalendarExtraOpen)
