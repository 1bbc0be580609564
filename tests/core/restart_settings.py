"""Settings for the processes of the database-restart test: the installation's own, with the tables made
straight from the models (`migrate --run-syncdb`), so the private cluster is ready in seconds, not a minute."""

from picocore.config.settings import *  # noqa: F403
from picocore.config.settings import INSTALLED_APPS

# Every app's label is the last part of its name here (django.contrib.auth → auth, picocore.outbox → outbox).
MIGRATION_MODULES = {app.rsplit(".", 1)[-1]: None for app in INSTALLED_APPS}
