from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewStatus(models.TextChoices):
    """A review is a draft the service manager may still write into, then sent to the customer and frozen."""

    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
