"""Every change to monitoring alerts goes through these functions: the intake (`alert_receive`), the triage
queue, and the configuration of integrations and their rules. Each checks access itself through
`picocore.alerts.permissions`."""

from picocore.alerts.services.configuration import (
    IntegrationFields,
    RuleFields,
    integration_create,
    integration_delete,
    integration_update,
    match_text,
    parse_match,
    rules_save,
)
from picocore.alerts.services.intake import IntakeResult, alert_receive
from picocore.alerts.services.triage import alert_dismiss, alert_map

__all__ = [
    "IntakeResult",
    "IntegrationFields",
    "RuleFields",
    "alert_dismiss",
    "alert_map",
    "alert_receive",
    "integration_create",
    "integration_delete",
    "integration_update",
    "match_text",
    "parse_match",
    "rules_save",
]
