"""Pages only some signed-in people may use, and that answer everyone else as if they did not exist."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from picocore.core.errors import NotFound

View = Callable[..., HttpResponse]


def page_for(may_use: Callable[[Any], bool]) -> Callable[[View], View]:
    """A view decorator: sign-in required; a signed-in person for whom `may_use(user)` is false gets 404, and so
    does a NotFound the view raises (an object missing or not theirs), so neither tells what exists."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not may_use(request.user):
                raise Http404
            try:
                return view(request, *args, **kwargs)
            except NotFound as error:
                raise Http404 from error

        return wrapper

    return decorate
