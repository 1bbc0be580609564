"""What every desk page shares: who may open it, how a list's filter is read, and how a refused action reads."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from picocore.core.errors import PicoCoreError, ValidationError
from picocore.core.params import parse_id
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tickets.queues import (
    can_use_desk,
)

DEVELOPMENT_ROLES = (StaffRole.DEVELOPER, StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


def desk_page(view):
    """Signed-in staff who work tickets only; anyone else gets the same 404 as for a missing page."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args, **kwargs) -> HttpResponse:
        if not can_use_desk(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def development_page(view):
    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args, **kwargs) -> HttpResponse:
        if request.user.staff_role not in DEVELOPMENT_ROLES:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def error_text(error: PicoCoreError) -> str:
    if isinstance(error, ValidationError) and error.field_errors:
        return " ".join(message for messages_ in error.field_errors.values() for message in messages_)
    return error.message


def filter_id(request: HttpRequest, name: str, problems: list[str], problem: str) -> int | None:
    """The id in the query parameter `name`, or None when it is absent; one that cannot be read is None too,
    with `problem` added to `problems` (the page names it and answers 400, never ignoring it)."""
    text = request.GET.get(name, "").strip()
    value = parse_id(text) if text else None
    if text and value is None:
        problems.append(problem)
    return value


def filter_choice(request: HttpRequest, name: str, choices: list[str], problems: list[str], problem: str) -> str:
    """The value of the query parameter `name` when it is one of `choices`, else "" (with `problem` added to
    `problems` when something else was given)."""
    value = request.GET.get(name, "").strip()
    if value and value not in choices:
        problems.append(problem)
        return ""
    return value
