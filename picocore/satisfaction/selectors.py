"""What the request page shows of the rating: the form to rate the latest resolution, or the rating given."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from picocore.contracts.models import Contract
from picocore.core.clock import now
from picocore.satisfaction.links import VALID_FOR
from picocore.satisfaction.models import SCALE, Rating
from picocore.satisfaction.permissions import may_rate
from picocore.tenancy.models import User
from picocore.tickets.choices import Status
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.permissions import TicketAccess
from picocore.tickets.timeline import StatusChanged


@dataclass(frozen=True)
class RatingOffer:
    """The requester's view of rating the latest resolution: `rating` given so far (or None), the scores offered,
    and until when it may be given or changed (`open` while that has not passed)."""

    resolution: TicketEvent
    scale: int
    rating: Rating | None
    open_until: dt.datetime
    open: bool

    @property
    def scores(self) -> range:
        return range(1, self.scale + 1)


def rating_offer(
    actor: User, ticket: Ticket, *, timeline: Iterable[TicketEvent], contract: Contract | None, access: TicketAccess
) -> RatingOffer | None:
    """The rating part of the request page for `actor`, None for anyone but the requester and for a request that
    is not resolved or closed. `timeline` is the page's public timeline (the resolution is taken from it) and
    `contract` the one in force at the resolution (its tier sets the scale): at most one query, for the requester
    only, whatever the size of the history."""
    if not may_rate(actor, ticket, access=access):
        return None
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        return None
    resolutions = [e for e in timeline if isinstance(e.entry, StatusChanged) and e.entry.after == Status.RESOLVED]
    resolution = resolutions[-1] if resolutions else None
    if resolution is None:
        return None
    rating = Rating.objects.filter(resolution=resolution, requester=actor).first()
    scale = contract.tier.rating_scale if contract is not None else SCALE
    open_until = resolution.created_at + VALID_FOR
    return RatingOffer(
        resolution=resolution,
        scale=scale if 1 < scale <= SCALE else SCALE,
        rating=rating,
        open_until=open_until,
        open=now() <= open_until,
    )
