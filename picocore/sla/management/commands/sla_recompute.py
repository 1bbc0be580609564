"""`picocore sla_recompute`: derive the SLA clocks of unfinished tickets again, e.g. after a bulk import."""

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from rich.progress import Progress

from picocore.sla.models import SlaClock
from picocore.sla.services import sla_recompute
from picocore.tickets.choices import UNFINISHED_STATUSES
from picocore.tickets.models import Ticket


class Command(BaseCommand):
    help = "Recompute the SLA clocks of every unfinished ticket (or one organisation's), with a progress bar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", help="slug of one organisation")

    def handle(self, *args: object, organisation: str | None = None, **options: object) -> None:
        tickets = Ticket.objects.filter(status__in=UNFINISHED_STATUSES).select_related("organisation")
        if organisation:
            tickets = tickets.filter(organisation__slug=organisation)
        total = tickets.count()
        with Progress(transient=False) as progress:
            task = progress.add_task("Recomputing SLA clocks", total=total)
            for ticket in tickets.order_by("pk").iterator(chunk_size=500):
                sla_recompute(ticket=ticket)
                progress.advance(task)
        # Fresh planner statistics: the deadlines just written decide how the desk's queues are read.
        with connection.cursor() as cursor:
            for table in (Ticket._meta.db_table, SlaClock._meta.db_table):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        self.stdout.write(self.style.SUCCESS(f"Recomputed the clocks of {total} ticket(s)."))
