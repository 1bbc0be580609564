from django.db import models
from django.utils.translation import gettext_lazy as _


class SolutionKind(models.TextChoices):
    PIM = "pim", _("PIM")
    CMS = "cms", _("CMS")
    DAM = "dam", _("DAM")
    SEARCH = "search", _("Search")
    MIDDLEWARE = "middleware", _("Middleware")
    HOSTING = "hosting", _("Hosting")


class EnvironmentKind(models.TextChoices):
    PRODUCTION = "production", _("Production")
    STAGING = "staging", _("Staging")
    TEST = "test", _("Test")
