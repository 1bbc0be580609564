"""`picocore unlock`: let a locked-out account or address sign in again before its cool-off ends."""

from django.core.management.base import BaseCommand, CommandError

from picocore.accounts.throttle import sign_in_unlock


class Command(BaseCommand):
    help = "Unlock sign-in for an e-mail address (--email) or a client address (--address), or --all."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", help="the e-mail address that was locked out")
        parser.add_argument("--address", help="the client IP address that was locked out")
        parser.add_argument("--all", action="store_true", help="unlock every account and address")

    def handle(self, *args, email: str | None, address: str | None, all: bool, **options) -> None:
        if not (email or address or all):
            raise CommandError("Say what to unlock: --email ADDRESS, --address IP, or --all.")
        removed = sign_in_unlock(email=email, address=address)
        self.stdout.write(f"Unlocked ({removed} record(s) of failed sign-ins removed).")
