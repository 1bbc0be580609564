from django.db import models
from django.utils.translation import gettext_lazy as _


class ProblemStatus(models.TextChoices):
    """ITIL's problem lifecycle: logged, under investigation, a known error (its cause or a workaround is known),
    resolved (the fix is in), closed."""

    NEW = "new", _("New")
    INVESTIGATING = "investigating", _("Investigating")
    KNOWN_ERROR = "known_error", _("Known error")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class ProblemEventKind(models.TextChoices):
    """The entries of a problem's history (`picocore.problems.history` holds one class per kind)."""

    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    STATUS = "status", _("Status changed")
    INCIDENT_LINKED = "incident_linked", _("Incident linked")
    INCIDENT_UNLINKED = "incident_unlinked", _("Incident unlinked")
    COMPONENTS = "components", _("Affected components changed")
    WORKAROUND_RECORDED = "workaround_recorded", _("Workaround recorded")
    WORKAROUND_PUBLISHED = "workaround_published", _("Workaround published")
    KNOWN_ISSUE = "known_issue", _("Known issue published")
    KNOWN_ISSUE_WITHDRAWN = "known_issue_withdrawn", _("Known issue withdrawn")
    FIX_CHANGE = "fix_change", _("Fixing change linked")
    INCIDENTS_RESOLVED = "incidents_resolved", _("Incidents resolved")


class ProposalBasis(models.TextChoices):
    """Why the detector grouped incidents: one customer's component, or one request type and similar titles."""

    COMPONENT = "component", _("Same customer and component")
    TITLE = "title", _("Same request type, similar title")


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DISMISSED = "dismissed", _("Dismissed")
