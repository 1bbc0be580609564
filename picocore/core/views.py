"""Installation-wide endpoints that belong to no domain."""

import logging

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
