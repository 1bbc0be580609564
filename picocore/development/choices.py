from django.db import models
from django.utils.translation import gettext_lazy as _


class Milestone(models.TextChoices):
    """Where handed-off development work stands; the customer sees these on their request page."""

    HANDED_OVER = "handed_over", _("Handed to development")
    ACCEPTED = "accepted", _("Accepted by development")
    IN_PROGRESS = "in_progress", _("In development")
    READY_FOR_RELEASE = "ready_for_release", _("Ready for release")
    RELEASED = "released", _("Released")
