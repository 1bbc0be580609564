"""What the desk's navigation asks of the alert permissions."""

from django import template

from picocore.alerts import permissions
from picocore.tenancy.models import User

register = template.Library()


@register.filter
def may_work_alerts(user: object) -> bool:
    """The person may open the alert pages (`permissions.may_work_alerts`); an anonymous visitor may not."""
    return isinstance(user, User) and permissions.may_work_alerts(user)
