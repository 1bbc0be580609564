"""Query parameters the list resources share, read one way: an id (`organisation=12`) and a choice
(`status=scheduled`). Anything else is 400 with the parameter named, never an empty list or a database error."""

from collections.abc import Iterable

from django.utils.translation import gettext as _
from rest_framework.request import Request

from picocore.core.errors import ValidationError
from picocore.core.params import parse_id


def id_param(request: Request, name: str) -> int | None:
    """The row id in `?name=`, None when absent or empty."""
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    value = parse_id(raw)
    if value is None:
        raise ValidationError(field_errors={name: [_("A positive whole number.")]})
    return value


def choice_param(request: Request, name: str, choices: Iterable[str]) -> str | None:
    """The value in `?name=`, one of `choices`; None when absent or empty."""
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    allowed = list(choices)
    if raw not in allowed:
        raise ValidationError(field_errors={name: [_("One of: %(choices)s.") % {"choices": ", ".join(allowed)}]})
    return raw
