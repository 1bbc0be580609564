"""The request catalogue (what a customer can ask for, with its form) and the priority matrix."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from picocore.catalog.choices import FieldKind, Impact, Priority, TicketType, Urgency
from picocore.core.models import TimeStampedModel


class RequestType(TimeStampedModel):
    """One entry of the catalogue: a kind of ticket with its own form. Tiers decide who is offered it."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), unique=True)
    ticket_type = models.CharField(_("ticket type"), max_length=20, choices=TicketType.choices)
    summary = models.CharField(_("summary"), max_length=300, help_text=_("Shown in the catalogue."))
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    asks_impact_and_urgency = models.BooleanField(
        _("asks impact and urgency"),
        default=True,
        help_text=_("Otherwise the defaults below set the priority."),
    )
    default_impact = models.CharField(_("default impact"), max_length=10, choices=Impact.choices, default=Impact.LOW)
    default_urgency = models.CharField(
        _("default urgency"), max_length=10, choices=Urgency.choices, default=Urgency.LOW
    )

    class Meta:
        verbose_name = _("request type")
        verbose_name_plural = _("request types")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class FormField(models.Model):
    """One question on a request type's form. `key` names the answer; the label is shown to people."""

    request_type = models.ForeignKey(RequestType, on_delete=models.CASCADE, related_name="fields")
    key = models.SlugField(_("key"), max_length=50)
    label = models.CharField(_("label"), max_length=150)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=FieldKind.choices,
        help_text=_("How the answer is checked: e.g. an e-mail address, a web address or a date in the future."),
    )
    required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    choices = models.TextField(_("choices"), blank=True, help_text=_("For a choice field: one option per line."))
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["request_type", "key"], name="formfield_key_unique")]

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def clean(self) -> None:
        if self.kind == FieldKind.CHOICE and not self.choice_list:
            raise ValidationError({"choices": _("A choice field needs at least one option.")})
        if self.key in RESERVED_FIELD_KEYS:
            raise ValidationError({"key": _("This key is used by every request form; choose another.")})


# Every request form asks these itself; a configured field may not take their names.
RESERVED_FIELD_KEYS = frozenset({"title", "description", "impact", "urgency", "attachments"})


class PriorityRule(models.Model):
    """One cell of the ITIL impact × urgency matrix. The matrix is complete: one row per combination."""

    impact = models.CharField(_("impact"), max_length=10, choices=Impact.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)

    class Meta:
        verbose_name = _("priority rule")
        verbose_name_plural = _("priority matrix")
        constraints = [models.UniqueConstraint(fields=["impact", "urgency"], name="priorityrule_cell_unique")]
        ordering = ["impact", "urgency"]

    def __str__(self) -> str:
        return f"{self.get_impact_display()} × {self.get_urgency_display()} → {self.get_priority_display()}"
