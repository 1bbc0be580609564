"""`picocore audit verify`: walk the audit trail's hash chain and report the first altered or missing entry.

Exit status 0 when the chain is whole (with the number of entries and the head's hash, worth keeping
elsewhere: it shows a rewrite of the whole chain too), 1 with the first fault otherwise."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from picocore.audit.models import AuditChainHead
from picocore.audit.verification import BATCH_SIZE, audit_verify


class Command(BaseCommand):
    help = "The audit trail: `verify` checks its hash chain and reports the first altered or missing entry."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{verify}")
        verify = actions.add_parser("verify", help="check every entry's hash and link, in order")
        verify.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"entries read per query (default {BATCH_SIZE})"
        )

    def handle(self, *args: Any, action: str, batch_size: int = BATCH_SIZE, **options: Any) -> None:
        head = AuditChainHead.objects.filter(pk=1).first()
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, transient=True, disable=options["verbosity"] < 1) as progress:
            task = progress.add_task("Verifying the audit trail", total=head.sequence if head else 0)
            result = audit_verify(batch_size=max(1, batch_size), progress=lambda n: progress.update(task, completed=n))
        if result.fault is not None:
            self.stderr.write(
                f"The audit trail is broken at {result.fault} ({result.checked} entries before it are intact)."
            )
            sys.exit(1)
        redacted = f", {result.redacted} of them redacted" if result.redacted else ""
        self.stdout.write(
            self.style.SUCCESS(f"OK: {result.checked} entries verified{redacted}. Head hash: {result.head_hash}")
        )
