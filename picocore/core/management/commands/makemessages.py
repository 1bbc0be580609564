"""`manage.py makemessages`, with the project's defaults, so the catalogue is the same wherever it is run.

Only the application is scanned (not tests/, bench/, scripts/ or var/), locations name files without line
numbers (a line moved elsewhere in a template does not change the .po, so parallel branches merge cleanly),
and entries no longer used are dropped instead of kept as obsolete. After editing the .po, compile it with
`manage.py compilemessages` (GNU gettext's msgfmt); tests/config/test_translations.py checks that no entry is
untranslated or fuzzy and that the committed .mo matches the .po.
"""

from typing import Any

from django.core.management.commands import makemessages

NOT_THE_APPLICATION = ["tests", "bench", "scripts", "var", "node_modules", "*.egg-info", "build", "dist"]


class Command(makemessages.Command):
    def handle(self, *args: Any, **options: Any) -> str | None:
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *NOT_THE_APPLICATION]
        if not options.get("add_location"):
            options["add_location"] = "file"
        options["no_obsolete"] = True
        return super().handle(*args, **options)
