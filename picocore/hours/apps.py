from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HoursConfig(AppConfig):
    name = "picocore.hours"
    label = "hours"
    verbose_name = _("Time and the hour bank")
