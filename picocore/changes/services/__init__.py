"""Change services: each takes an `actor=`, checks the actor may act, owns its transaction, and records the
change's history and audit entries with the write (see each module's guarantees)."""

from picocore.changes.guards import allowed_moves
from picocore.changes.services.creation import change_create, change_from_ticket, offered_templates
from picocore.changes.services.lifecycle import change_transition
from picocore.changes.services.planning import change_components_set, change_schedule, change_update
from picocore.changes.services.review import change_review_record

__all__ = [
    "allowed_moves",
    "change_components_set",
    "change_create",
    "change_from_ticket",
    "change_review_record",
    "change_schedule",
    "change_transition",
    "change_update",
    "offered_templates",
]
