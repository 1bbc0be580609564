"""ASGI entry point: `uvicorn picocore.config.asgi:application` or any ASGI server."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "picocore.config.settings")
application = get_asgi_application()
