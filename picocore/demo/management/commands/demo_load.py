from django.conf import settings
from django.core.management.base import BaseCommand

from picocore.demo.data import demo_loaded, load_demo


class Command(BaseCommand):
    help = "Load the demo customers, people and tickets, once: does nothing if they are already there."

    def handle(self, *args, **options):
        # Commands run in this installation later default to the demo settings (see settings.DEMO_MARKER).
        settings.DEMO_MARKER.parent.mkdir(parents=True, exist_ok=True)
        settings.DEMO_MARKER.write_text("Made by `picocore demo`: commands run here use the demo settings.\n")
        if demo_loaded():
            self.stdout.write("Demo data already loaded.")
            return
        load_demo()
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Sign in with password 'picocore-demo'."))
