"""Problem services: each takes an `actor=` (the detector, the system's own work, none), checks the actor may act,
owns its transaction, and records the problem's history and audit entries with the write (see each module's
guarantees)."""

from picocore.problems.services.known_errors import (
    problem_publish_known_issue,
    problem_publish_workaround,
    problem_resolve_incidents,
    problem_withdraw_known_issue,
    publish_targets,
    resolution_candidates,
)
from picocore.problems.services.lifecycle import problem_create, problem_transition, problem_update
from picocore.problems.services.links import (
    parse_change_key,
    problem_component_add,
    problem_component_remove,
    problem_link_incident,
    problem_set_fixing_change,
    problem_unlink_incident,
)
from picocore.problems.services.proposals import DetectorRun, proposal_accept, proposal_dismiss, proposals_detect

__all__ = [
    "DetectorRun",
    "parse_change_key",
    "problem_component_add",
    "problem_component_remove",
    "problem_create",
    "problem_link_incident",
    "problem_publish_known_issue",
    "problem_publish_workaround",
    "problem_resolve_incidents",
    "problem_set_fixing_change",
    "problem_transition",
    "problem_unlink_incident",
    "problem_update",
    "problem_withdraw_known_issue",
    "proposal_accept",
    "proposal_dismiss",
    "proposals_detect",
    "publish_targets",
    "resolution_candidates",
]
