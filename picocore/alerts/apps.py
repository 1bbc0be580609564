from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "picocore.alerts"
    label = "alerts"
    verbose_name = _("Monitoring alerts")
