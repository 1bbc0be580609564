from django.db import models
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    """Who reads an article: the service team only, or the customers it is meant for as well."""

    INTERNAL = "internal", _("Internal")
    CUSTOMERS = "customers", _("Customer-facing")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class ArticleEventKind(models.TextChoices):
    """What the history of an article records beside its versions."""

    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    PUBLISHED = "published", _("Published")
    REVIEWED = "reviewed", _("Reviewed")
    ARCHIVED = "archived", _("Archived")
    ATTACHED = "attached", _("File added")
