from django.db import models
from django.utils.translation import gettext_lazy as _


class SolutionKind(models.TextChoices):
    PIM = "pim", _("PIM")
    CMS = "cms", _("CMS")
    DAM = "dam", _("DAM")
    SEARCH = "search", _("Search")
    MIDDLEWARE = "middleware", _("Middleware")
    ECOMMERCE = "ecommerce", _("E-commerce")
    HOSTING = "hosting", _("Hosting")


class EnvironmentKind(models.TextChoices):
    PRODUCTION = "production", _("Production")
    STAGING = "staging", _("Staging")
    TEST = "test", _("Test")
    DEVELOPMENT = "development", _("Development")


class ComponentKind(models.TextChoices):
    APPLICATION = "application", _("Application")
    DATABASE = "database", _("Database")
    SEARCH_INDEX = "search_index", _("Search index")
    QUEUE = "queue", _("Queue")
    CDN = "cdn", _("CDN")
    SCHEDULED_JOB = "scheduled_job", _("Scheduled job")
    INTEGRATION_ENDPOINT = "integration_endpoint", _("Integration endpoint")
    STORAGE = "storage", _("File storage")
    CACHE = "cache", _("Cache")
    OTHER = "other", _("Other")


class IntegrationDirection(models.TextChoices):
    """Which way data flows between the two components of an integration."""

    ONE_WAY = "one_way", _("One way (source → target)")
    TWO_WAY = "two_way", _("Both ways")


class ContactRole(models.TextChoices):
    BUSINESS_OWNER = "business_owner", _("Business owner")
    TECHNICAL = "technical", _("Technical contact")
    APPROVER = "approver", _("Approver")
    ON_SITE = "on_site", _("On-site contact")
