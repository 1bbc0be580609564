from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatusPagesConfig(AppConfig):
    name = "picocore.statuspages"
    label = "statuspages"
    verbose_name = _("Status pages")
