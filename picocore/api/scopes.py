"""What a token may do: one scope per kind of access, named `<resource>:<read|write>` as the issue's examples.

A token holds a chosen subset; a browser session (a person signed in to the pages) holds every scope, because
the person could do the same on the pages. Scopes only narrow: what the person may see and do is still decided
by the domain's permission policy, for every request."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    TICKETS_READ = "tickets:read", _("Read requests, their timelines and attachments")
    TICKETS_WRITE = "tickets:write", _("File and work on requests")
    DIRECTORY_READ = "directory:read", _("Read organisations, contracts, request types and components")
    CHANGES_READ = "changes:read", _("Read changes")
    PROBLEMS_READ = "problems:read", _("Read problems and articles")
    TIME_READ = "time:read", _("Read time entries")
    TIME_WRITE = "time:write", _("Record time")
    DEVELOPMENT_READ = "development:read", _("Read development items")
    NOTIFICATIONS_READ = "notifications:read", _("Read your notifications")
    NOTIFICATIONS_WRITE = "notifications:write", _("Mark your notifications read")
    ALERTS_INGEST = "alerts:ingest", _("Send monitoring alerts")


ALL_SCOPES = frozenset(scope.value for scope in Scope)
