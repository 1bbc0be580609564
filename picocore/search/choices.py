from django.db import models
from django.utils.translation import gettext_lazy as _


class SuggestionKind(models.TextChoices):
    """What was suggested to a customer writing a request."""

    ARTICLE = "article", _("Article")
    KNOWN_ISSUE = "known_issue", _("Known issue")
    REQUEST = "request", _("Earlier request")


class SuggestionOutcome(models.TextChoices):
    """What the customer said of a suggestion: nothing (yet), or that it solved their problem."""

    PENDING = "", _("No answer yet")
    SOLVED = "solved", _("Solved the problem")
