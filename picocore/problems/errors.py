"""The problems' own refusal: a problem the actor may not see, told apart from a linked object they may not see."""

from picocore.core.errors import NotFound


class ProblemNotFound(NotFound):
    """The problem does not exist or the actor may not see it (the same answer for both)."""
