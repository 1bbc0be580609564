"""Maps the domain errors to HTTP once, for every page; a database outage is a 503, not a 500."""

import logging

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import translation

from picocore.core.db import DATABASE_UNREACHABLE
from picocore.core.errors import InvalidTransition, NotFound, PicoCoreError
from picocore.core.views import database_unavailable

logger = logging.getLogger(__name__)


class UserLanguageMiddleware:
    """Activates the signed-in person's chosen language (after authentication); without a choice, the
    language LocaleMiddleware took from the language cookie or the browser's Accept-Language stays."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        try:
            language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        except DATABASE_UNREACHABLE:
            # The session or the user cannot be read: the view meets the same outage and answers 503.
            language = ""
        if language and translation.check_for_language(language):
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class DomainErrorMiddleware:
    """Turns a `PicoCoreError` that escaped a view into its status code and a page a person can read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, PicoCoreError):
            return None
        template = "404.html" if isinstance(exception, NotFound) else "core/error.html"
        context = {
            "message": exception.message,
            "allowed": getattr(exception, "allowed", ()) if isinstance(exception, InvalidTransition) else (),
            "status": exception.status_code,
        }
        response = TemplateResponse(request, template, context, status=exception.status_code)
        return response.render()


class DatabaseUnavailableMiddleware:
    """While the database cannot be reached, a view answers 503 with a Retry-After hint and a plain page
    instead of a 500 (in DEBUG too); the broken connection is closed, so the next request connects afresh,
    as Django's own request-finished handler would. Outages outside views go through `server_error`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_UNREACHABLE):
            return None
        logger.error("The database cannot be reached: %s %s answers 503 (%s)", request.method, request.path, exception)
        if connection.in_atomic_block:
            connection.needs_rollback = True
        else:
            connection.close_if_unusable_or_obsolete()
        return database_unavailable(request)
