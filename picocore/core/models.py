"""Abstract model bases shared by every domain package."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now


class TimeStampedModel(models.Model):
    """Adds `created_at` (set once) and `updated_at` (set on every save through the ORM)."""

    created_at = models.DateTimeField(_("created"), default=now, editable=False, db_index=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
