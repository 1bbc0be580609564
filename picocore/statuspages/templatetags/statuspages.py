"""What a status incident shows: its impact, a major outage only once confirmed."""

from django import template

from picocore.statuspages.choices import ComponentState
from picocore.statuspages.models import StatusIncident
from picocore.statuspages.selectors import incident_state

register = template.Library()


@register.filter
def shown_state(incident: StatusIncident) -> str:
    return str(incident_state(incident).value)


@register.filter
def shown_state_label(incident: StatusIncident) -> str:
    return str(ComponentState(incident_state(incident)).label)
