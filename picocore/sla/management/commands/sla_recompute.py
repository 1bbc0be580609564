"""`picocore sla_recompute`: derive the SLA clocks of unfinished tickets again, e.g. after a bulk import."""

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from picocore.sla.batch import BATCH_SIZE, recompute_unfinished
from picocore.sla.models import SlaClock
from picocore.tickets.choices import UNFINISHED_STATUSES
from picocore.tickets.models import Ticket, TicketEvent


class Command(BaseCommand):
    help = "Recompute the SLA clocks of every unfinished ticket (or one organisation's), with a progress bar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", help="slug of one organisation")
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"tickets per transaction (default {BATCH_SIZE})"
        )

    def handle(
        self, *args: object, organisation: str | None = None, batch_size: int = BATCH_SIZE, **options: object
    ) -> None:
        tickets = Ticket.objects.all()
        if organisation:
            tickets = tickets.filter(organisation__slug=organisation)
        total = tickets.filter(status__in=UNFINISHED_STATUSES).count()
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, transient=False) as progress:
            task = progress.add_task("Recomputing SLA clocks", total=total)
            done = recompute_unfinished(
                tickets, batch_size=batch_size, progress=lambda count: progress.advance(task, count)
            )
        # Fresh planner statistics for every table the run rewrote: after a rewrite PostgreSQL misjudged the
        # partial deadline index and a desk page read five times as many rows.
        with connection.cursor() as cursor:
            for model in (Ticket, SlaClock, TicketEvent):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.stdout.write(self.style.SUCCESS(f"Recomputed the clocks of {done} ticket(s)."))
