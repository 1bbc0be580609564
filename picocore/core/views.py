"""Installation-wide endpoints that belong to no domain."""

import logging
import sys

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from picocore.core.db import DATABASE_UNREACHABLE
from picocore.core.uploads import UploadTooLarge

logger = logging.getLogger(__name__)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 page: says which upload limit was passed; other reasons stay unexplained, as Django's do."""
    message = exception.message if isinstance(exception, UploadTooLarge) else ""
    return render(request, "400.html", {"message": message, "upload": bool(message)}, status=400)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the process serves and the database answers, 503 otherwise. Reveals nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"; the reason goes to the log, not out
        logger.exception("Health check: the database does not answer")
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


RETRY_AFTER_SECONDS = 30


def database_unavailable(request: HttpRequest | None = None) -> HttpResponse:
    """503 with a Retry-After hint and a plain page that needs no database (no session, no user, no
    context processors): what every page answers while the database cannot be reached."""
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler: a database outage that escaped outside a view (in a middleware, say, saving the
    session) is a 503 too; anything else is the plain 500 page."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNREACHABLE):
        return database_unavailable(request)
    return HttpResponseServerError(loader.render_to_string("500.html"))
