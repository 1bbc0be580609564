"""The vocabulary of requests: what kind of ticket, how bad, how urgent, which priority."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketType(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    SERVICE_REQUEST = "service_request", _("Service request")
    CHANGE_REQUEST = "change_request", _("Change request")


class Impact(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Urgency(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Priority(models.IntegerChoices):
    P1 = 1, "P1"
    P2 = 2, "P2"
    P3 = 3, "P3"
    P4 = 4, "P4"
    P5 = 5, "P5"


class FieldKind(models.TextChoices):
    """The kinds of question a request type's form can ask."""

    TEXT = "text", _("Text (one line)")
    LONG_TEXT = "long_text", _("Long text")
    CHOICE = "choice", _("Choice")
    DATE = "date", _("Date")
    NUMBER = "number", _("Number")
    WHOLE_NUMBER = "whole_number", _("Whole number")
    EMAIL = "email", _("E-mail address")
    URL = "url", _("Web address (URL)")
    FUTURE_DATE = "future_date", _("Date in the future")
    YES_NO = "yes_no", _("Yes / no")
    SOLUTION = "solution", _("Affected solution")
    ENVIRONMENT = "environment", _("Affected environment")


IMPACT_HELP = {
    Impact.HIGH: _("Many users or a business-critical process are affected (e.g. the webshop shows no products)."),
    Impact.MEDIUM: _("A group of users or an important function is affected."),
    Impact.LOW: _("One user or a minor function is affected."),
}
URGENCY_HELP = {
    Urgency.HIGH: _("Work has stopped or money is being lost now; there is no workaround."),
    Urgency.MEDIUM: _("Work is slowed down; a workaround exists but is costly."),
    Urgency.LOW: _("It can wait; a reasonable workaround exists."),
}
