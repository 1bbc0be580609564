"""`manage.py compilemessages`, compiling only the application's own catalogues (picocore/locale), not those
of the packages installed in a virtualenv inside the checkout. Needs GNU gettext's msgfmt."""

from typing import Any

from django.core.management.commands import compilemessages

NOT_THE_APPLICATION = [".venv", "venv", "tests", "bench", "var", "node_modules"]


class Command(compilemessages.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *NOT_THE_APPLICATION]
        super().handle(*args, **options)
