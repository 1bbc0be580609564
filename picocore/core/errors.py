"""The one domain error hierarchy. Views and (later) the API map each class to one HTTP status."""

from django.utils.translation import gettext as _


class PicoCoreError(Exception):
    """Base of every error a service or selector raises on purpose; `message` is for people."""

    status_code = 400

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class NotFound(PicoCoreError):
    """The object does not exist *or* the actor may not see it: the two are indistinguishable on purpose."""

    status_code = 404


class PermissionDenied(PicoCoreError):
    """The actor can see the object but may not do this to it."""

    status_code = 403


class InvalidTransition(PicoCoreError):
    """A status change the lifecycle does not allow from the current status; lists the allowed ones."""

    status_code = 409

    def __init__(self, message: str, *, allowed: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.allowed = allowed


class ValidationError(PicoCoreError):
    """Input that cannot be accepted. `field_errors` maps a field name to its messages; nothing was saved."""

    status_code = 400

    def __init__(self, message: str = "", *, field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message or _("Please correct the errors below."))
        self.field_errors = field_errors or {}
