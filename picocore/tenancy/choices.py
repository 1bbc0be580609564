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
    """A person's role in one customer organisation; what each may do is `picocore.tenancy.roles.ROLES`."""

    REQUESTER = "requester", _("Requester")
    CUSTOMER_ADMIN = "customer_admin", _("Customer admin")
    APPROVER = "approver", _("Approver")
    BILLING_CONTACT = "billing_contact", _("Billing contact")
    VIEWER = "viewer", _("Viewer")


class RequestVisibility(models.TextChoices):
    """Whose requests an organisation's requesters (and approvers and billing contacts) see in the portal;
    customer admins and viewers always see all of them."""

    OWN = "own", _("Own requests only")
    OWN_AND_SHARED = "shared", _("Own requests and those shared with the organisation")
    ORGANISATION = "organisation", _("All of the organisation's requests")


class TeamKind(models.TextChoices):
    OPERATIONS = "operations", _("Operations")
    DEVELOPMENT = "development", _("Development")
