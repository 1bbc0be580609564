"""`picocore apply_retention`: anonymise the closed requests past their contract's retention now, with a
progress bar, or list them (`--dry-run`)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from picocore.privacy.services.retention import BATCH_SIZE, DueOrganisation, retention_apply, retention_due


class Command(BaseCommand):
    help = (
        "Anonymise the closed requests whose contract's retention has passed, but those on legal hold (the worker "
        "does it once a day); --dry-run lists them per organisation and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list what would be anonymised, change nothing")
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"requests per transaction (default {BATCH_SIZE})"
        )

    def handle(self, *args: object, dry_run: bool = False, batch_size: int = BATCH_SIZE, **options: object) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        due = retention_due()
        if dry_run:
            self._list(due)
            return
        total = sum(item.due().count() for item in due)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, transient=False) as progress:
            task = progress.add_task("Anonymising requests", total=total)
            run = retention_apply(batch_size=batch_size, progress=lambda count: progress.advance(task, count))
        counts = run.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Anonymised {counts['anonymised']} request(s); {counts['held']} past retention kept by a legal hold."
            )
        )

    def _list(self, due: list[DueOrganisation]) -> None:
        if not due:
            self.stdout.write("No contract sets a retention: nothing to anonymise.")
            return
        for item in due:
            keys = list(item.due().order_by("number").values_list("key", flat=True))
            held = item.past_retention().count() - len(keys)
            line = (
                f"{item.organisation.name} ({item.months} months, closed before {item.cutoff:%Y-%m-%d}): "
                f"{len(keys)} request(s) to anonymise"
            )
            if held:
                line += f", {held} kept by a legal hold" + (" (the whole organisation)" if item.on_hold else "")
            self.stdout.write(line + (": " + ", ".join(keys) if keys else "."))
        self.stdout.write("Dry run: nothing was changed.")
