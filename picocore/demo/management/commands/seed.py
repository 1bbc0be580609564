from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from picocore.demo.seed import MAX_TICKETS, SeedError, seed


class RichProgress:
    """Shows each stage of the run as a rich progress bar on standard error."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def start(self, description: str, total: int) -> None:
        self.task = self.progress.add_task(description, total=total)

    def advance(self, amount: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, amount)


class RateColumn(ProgressColumn):
    """Rows per second of the running stage, e.g. "12,345/s"."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f}/s" if speed else "", style="progress.data.speed")


class Command(BaseCommand):
    help = (
        "Generate realistic customers (contracts, landscapes, contacts) and tickets with their timelines, in bulk. "
        "With --customers 0 the tickets go to the existing customers. Seeded users' password: picocore-demo."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=10, help="new customer organisations (default 10)")
        parser.add_argument("--tickets", type=int, default=1000, help="tickets to spread over them (default 1000)")
        parser.add_argument("--seed", type=int, default=None, help="random seed, for a reproducible run")

    def handle(self, *args, **options):
        customers, tickets = options["customers"], options["tickets"]
        if customers < 0 or tickets < 0 or tickets > MAX_TICKETS:
            raise CommandError(f"--customers must be 0 or more, --tickets between 0 and {MAX_TICKETS:,}.")
        columns = (
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        quiet = options["verbosity"] == 0
        with Progress(*columns, console=Console(stderr=True), disable=quiet) as progress:
            try:
                summary = seed(
                    customers=customers,
                    tickets=tickets,
                    seed=options["seed"],
                    progress=RichProgress(progress),
                )
            except SeedError as error:
                raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {summary.customers:,} customers ({summary.contacts:,} contacts) and {summary.tickets:,} "
                f"tickets ({summary.events:,} timeline events) in {summary.seconds:.1f} s: "
                f"{summary.tickets_per_second:,.0f} tickets/s, {summary.events_per_second:,.0f} events/s."
            )
        )
        self.stdout.write(f"Time entries: {summary.time_entries:,}. Ratings: {summary.ratings:,}.")
        if summary.statuses:
            counts = ", ".join(f"{status} {count:,}" for status, count in sorted(summary.statuses.items()))
            self.stdout.write(f"Tickets by status: {counts}.")
