"""`{% load change_approvals %}{% approval_panel change %}`: the desk's approval panel of a change (its current
round's approvers and decisions, the CAB's votes, the vote form for a service manager), for any page showing a
change to the person signed in."""

from typing import Any

from django import template

from picocore.changes.approvals import approval_panel as panel_of
from picocore.changes.models import Change

register = template.Library()


@register.inclusion_tag("changes/partials/approval_panel.html", takes_context=True)
def approval_panel(context: template.Context, change: Change) -> dict[str, Any]:
    return {
        "panel": panel_of(actor=context["request"].user, change=change),
        "change": change,
        "csrf_token": context.get("csrf_token"),
    }
