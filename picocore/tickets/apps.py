from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_tally_triggers(using: str, **kwargs: object) -> None:
    from django.db import connections

    from picocore.tickets.tallies import ensure_triggers

    ensure_triggers(connections[using])


class TicketsConfig(AppConfig):
    name = "picocore.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        # SQLite drops a table's triggers when a migration rebuilds it (adding some kinds of column does): put
        # the tallies' triggers back after every migrate, counting afresh if they were gone.
        post_migrate.connect(_ensure_tally_triggers, sender=self, dispatch_uid="tickets-tally-triggers")
