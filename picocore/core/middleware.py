"""Maps the domain errors to HTTP once, for every page."""

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from picocore.core.errors import InvalidTransition, NotFound, PicoCoreError


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
