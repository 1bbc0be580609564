from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    """Where a personal-data export stands: queued → running → ready (→ expired), or failed (retried: queued)."""

    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Being built")
    READY = "ready", _("Ready to download")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


# The exports that are still on their way: one per requester, person and scope (a double submit or a retry
# finds it instead of starting another).
OPEN_EXPORT_STATUSES = (ExportStatus.QUEUED, ExportStatus.RUNNING, ExportStatus.FAILED)
