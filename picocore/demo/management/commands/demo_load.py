from django.core.management.base import BaseCommand

from picocore.demo.data import demo_loaded, load_demo


class Command(BaseCommand):
    help = "Load the demo customers, people and tickets, once: does nothing if they are already there."

    def handle(self, *args, **options):
        if demo_loaded():
            self.stdout.write("Demo data already loaded.")
            return
        load_demo()
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Sign in with password 'picocore-demo'."))
