"""Abstract model bases shared by every domain package, and the scheduler's bookkeeping."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now


def max_length_of(model: type[models.Model], field_name: str) -> int:
    """The `max_length` of one of `model`'s text columns, for cutting a derived text to fit it.

    Raises `LookupError` for a relation or a field that has no maximum length: such a field needs no
    cutting, and asking for one is a mistake in the caller.
    """
    field = model._meta.get_field(field_name)
    max_length = field.max_length if isinstance(field, models.Field) else None
    if max_length is None:
        raise LookupError(f"{model.__name__}.{field_name} has no max_length")
    return max_length


class TimeStampedModel(models.Model):
    """Adds `created_at` (set once) and `updated_at` (set on every save through the ORM)."""

    created_at = models.DateTimeField(_("created"), default=now, editable=False, db_index=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class ScheduledRun(models.Model):
    """One period of one periodic job, claimed by exactly one worker (the unique constraint decides)."""

    job = models.CharField(_("job"), max_length=200)
    slot = models.BigIntegerField(_("period number"), help_text=_("Seconds since the epoch ÷ the job's interval."))
    claimed_at = models.DateTimeField(_("claimed"), default=now)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="scheduledrun_once_per_slot")]

    def __str__(self) -> str:
        return f"{self.job} #{self.slot}"


class ReferenceToken(models.Model):
    """One row whose value changes with every change to reference data (`picocore.core.reference`)."""

    SINGLETON = 1

    token = models.BigIntegerField(_("token"), default=0)

    class Meta:
        verbose_name = _("reference token")
        verbose_name_plural = _("reference tokens")

    def __str__(self) -> str:
        return str(self.token)
