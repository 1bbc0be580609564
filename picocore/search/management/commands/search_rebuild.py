"""`picocore search_rebuild`: index every searchable row again, with a progress bar per index."""

import contextlib

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from picocore.search.indexes import INDEXES

BATCH_SIZE = 5_000


class Command(BaseCommand):
    help = (
        "Rebuild the full-text indexes (all, or those of --table), e.g. after restoring a database or upgrading "
        "PostgreSQL's text search dictionaries. Searches keep working meanwhile."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--table", action="append", help="only the indexes of this table (repeatable)")
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"rows per statement (default {BATCH_SIZE})"
        )

    def handle(
        self, *args: object, table: list[str] | None = None, batch_size: int = BATCH_SIZE, **options: object
    ) -> None:
        known = list(dict.fromkeys(index.table for index in INDEXES))
        unknown = sorted(set(table or ()) - set(known))
        if unknown:
            raise CommandError(f"No full-text index on {', '.join(unknown)}; there are: {', '.join(known)}.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        # A table may hold more than one index (a problem's, and its known issue's): --table rebuilds them all.
        chosen = [index for index in INDEXES if not table or index.table in table]
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        done = 0
        with Progress(*columns, transient=False) as progress:
            for index in chosen:
                label = f"{index.table} ({index.name})" if index.name else index.table
                task = progress.add_task(label, total=index.count(connection))
                # SQLite empties an index before filling it again: in one transaction, a search meanwhile
                # reads the old index and a crash keeps it. PostgreSQL recomputes rows where they stand, so
                # each batch commits on its own and no lock is held for long.
                with transaction.atomic(durable=True) if connection.vendor == "sqlite" else contextlib.nullcontext():
                    rows = 0
                    for rows in index.rebuild(connection, batch=batch_size):
                        progress.update(task, completed=rows)
                done += rows
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for name in dict.fromkeys(index.table for index in chosen):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
        self.stdout.write(self.style.SUCCESS(f"Indexed {done} row(s) in {len(chosen)} index(es)."))
