from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    """What a member of the service team does; customers' people have no staff role."""

    NONE = "", _("Customer contact")
    CONSULTANT = "consultant", _("Consultant")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    DEVELOPER = "developer", _("Developer")
    ADMINISTRATOR = "administrator", _("Administrator")


class MembershipRole(models.TextChoices):
    """A person's role in one customer organisation."""

    REQUESTER = "requester", _("Requester")
    CUSTOMER_ADMIN = "customer_admin", _("Customer admin")


class TeamKind(models.TextChoices):
    OPERATIONS = "operations", _("Operations")
    DEVELOPMENT = "development", _("Development")
