"""The language a person reads PicoCore in: chosen in the footer of every page, POST only."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from picocore.accounts.services import user_language_set
from picocore.tenancy.models import User


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Store the chosen language on the signed-in person (blank: follow the browser) and in the language
    cookie (so the sign-in page follows it too), then go back to the page it was chosen on."""
    language = request.POST.get("language", "")
    if language and language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(b"Unknown language.")
    if isinstance(request.user, User):
        user_language_set(actor=request.user, language=language)
    # Back to the page it was chosen on (the form carries no address of its own: a page must not repeat what
    # was asked for, so a 404 for a foreign key reads exactly like one for a missing key).
    target = request.POST.get("next") or request.headers.get("referer", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, samesite="Lax")
    return response
