"""Asking the contacts permissions from a template: `{% if membership.role|manages_contacts %}`."""

from django import template

from picocore.members.permissions import role_manages_contacts

register = template.Library()


@register.filter
def manages_contacts(role: str) -> bool:
    """Whether a membership with this role manages its organisation's contacts (the portal's navigation)."""
    return role_manages_contacts(str(role or ""))
