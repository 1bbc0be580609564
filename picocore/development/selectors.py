"""Reading development work: developers see their teams' items and nothing of operations."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from picocore.core.errors import NotFound
from picocore.development.models import DevelopmentItem
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User

SEES_ALL = (StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


def development_items_for(*, actor: User, milestone: str | None = None) -> QuerySet[DevelopmentItem]:
    """The items the actor may see: their development teams' (all for managers and administrators), optionally
    only those at `milestone`."""
    items = DevelopmentItem.objects.select_related("team", "ticket", "organisation", "handed_over_by")
    if milestone is not None:
        items = items.filter(milestone=milestone)
    if actor.staff_role in SEES_ALL:
        return items
    if actor.staff_role in (StaffRole.DEVELOPER, StaffRole.CONSULTANT):
        return items.filter(team__members=actor)
    return items.none()


def development_item_get(*, actor: User, item_id: int) -> DevelopmentItem:
    item = development_items_for(actor=actor).filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("There is no such development item, or it is not your team's."))
    return item
