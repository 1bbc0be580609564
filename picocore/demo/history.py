"""Three months of history for the demo customers, so the hour bank, the reports and the monthly review have
something to show on the first `make run`.

Every row is written by the product's own services (tickets, replies, resolutions, time, the bank's adjustments
and closings, ratings) with the clock set to the moment it happened (`_at`), so the timeline, the SLA clocks, the
ledger, the audit trail and the notifications agree as they would had the months really passed. Deterministic:
the same day gives the same history; the history is placed relative to the current month (the three months
before it, on working days), and the month before is closed only once the contracts' closing day has come, as
the scheduled closing would have done.

The history's tickets get the keys after the demo's current ones (ACME-5 onwards): the current ones are the
starting points of the walkthrough and keep their well-known keys.
"""

import contextlib
import datetime as dt
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock

from django.db.models import F
from django.tasks import Task

from picocore.catalog.choices import Impact, Urgency
from picocore.catalog.models import RequestType
from picocore.cmdb.choices import EnvironmentKind
from picocore.cmdb.models import Solution
from picocore.contracts.models import Contract
from picocore.core.clock import now
from picocore.hours.choices import NonBillableReason
from picocore.hours.models import HourTerms
from picocore.hours.services import ledger_adjust, ledger_close, time_log
from picocore.notifications.models import Notification
from picocore.outbox.models import OutboxEmail, OutboxStatus
from picocore.satisfaction.links import rating_token
from picocore.satisfaction.services import rating_record_from_link
from picocore.tenancy.models import Organisation, Team, User
from picocore.tickets.choices import EventKind, Status
from picocore.tickets.models import Ticket
from picocore.tickets.services import (
    ticket_assign,
    ticket_confirm_resolution,
    ticket_create,
    ticket_reopen,
    ticket_reply,
    ticket_transition,
)
from picocore.tickets.services.lifecycle import ticket_auto_close

MONTHS = 3
CLOSE_DAY = 3  # the demo contracts close the previous month on the 3rd

# The hour terms of each demo contract (minutes); Bolt's Essential contract has no hours: its time is only counted.
HOUR_TERMS = {
    "acme-foods": {"included_minutes": 30 * 60, "carry_over_cap_minutes": 10 * 60, "carry_over_months": 2,
                   "rounding_minutes": 15, "outside_hours_rate": Decimal("1.5"), "weekend_rate": Decimal("2"),
                   "holiday_rate": Decimal("2")},
    "nordic-fashion": {"included_minutes": 10 * 60, "carry_over_cap_minutes": 5 * 60, "carry_over_months": 1,
                       "rounding_minutes": 15, "outside_hours_rate": Decimal("1.5"), "weekend_rate": Decimal("1.5"),
                       "holiday_rate": Decimal("2"), "requesters_see_hours": True},
}  # fmt: skip


@dataclass(frozen=True)
class Work:
    """Time logged on the ticket `days` working days after it came in, from `hour` (local time), by `by`;
    `reason` makes it not billable. `weekend`: on the Saturday after instead (an on-call call-out)."""

    days: int
    hour: float
    minutes: int
    description: str
    by: str = "consultant"
    reason: str = ""
    weekend: bool = False


@dataclass(frozen=True)
class Story:
    """One finished request of the history: when it came in (`back` months before the current one, on its
    `workday`-th working day, at `hour`), the team's first reply, the work, the resolution, the customer's answer
    (confirm, reopen then confirm, or no answer: closed automatically) and their rating."""

    org: str
    by: str
    type: str
    title: str
    description: str
    solution: str
    back: int
    workday: int
    hour: float
    reply: str
    work: tuple[Work, ...]
    resolve_days: int
    resolution: str
    impact: str = Impact.MEDIUM
    urgency: str = Urgency.MEDIUM
    reply_after_hours: float = 1.5
    reopen: str = ""  # the customer's reason; the team resolves again a working day later
    second_resolution: str = ""
    answer: str = "confirm"  # or "auto": no answer, closed automatically
    rating: tuple[int, str] | None = None
    answers: dict[str, object] = field(default_factory=dict)


STORIES: tuple[Story, ...] = (
    # Three months ago.
    Story("acme-foods", "anna", "incident", "Webshop search returns no frozen products",
          "Searching for 'pizza' or 'ice' on www.acme.example finds nothing since the morning.", "Acme PIM",
          back=3, workday=3, hour=9.25, impact=Impact.HIGH, urgency=Urgency.HIGH,
          reply="Thank you, Anna. The search index of the Frozen category is empty after last night's import; "
                "we are rebuilding it now.",
          work=(Work(0, 9.75, 150, "Rebuilt the search index of the Frozen category"),
                Work(1, 10, 90, "Fixed the import mapping that emptied the category")),
          resolve_days=1, resolution="The index is rebuilt and the import mapping fixed; search finds all "
                                     "frozen products again.",
          rating=(5, "Fixed before the weekend campaign started. Thank you!")),
    Story("acme-foods", "admin", "content-model-change", "Nutrition table on product pages",
          "Show the nutrition values as a table on the product page instead of plain text.", "Acme Web",
          back=3, workday=6, hour=13, reply="We have planned the template change for this week and will show "
                                            "you a preview on staging first.",
          work=(Work(1, 9, 240, "New nutrition table component and template"),
                Work(2, 9, 180, "Content migration of 1,200 products"),
                Work(3, 13, 120, "Review on staging with Lars, release to production")),
          resolve_days=4, resolution="The nutrition table is live on all food product pages.",
          rating=(4, "")),
    Story("acme-foods", "anna", "translation-update", "German texts for the autumn range",
          "Please publish the German texts for the 64 new autumn products.", "Acme Web",
          back=3, workday=14, hour=10, impact=Impact.LOW, urgency=Urgency.LOW,
          reply="Received; we publish them tomorrow morning.",
          work=(Work(1, 8.5, 75, "Published 64 German product texts"),),
          resolve_days=1, resolution="All 64 German texts are published.", answer="auto"),
    Story("nordic-fashion", "nils", "product-import-issue", "Size charts missing after the supplier import",
          "The size charts of 140 products from the new supplier are missing in the PIM.", "Nordic PIM",
          back=3, workday=8, hour=11, reply="The supplier's file uses a new column name for the size chart; we "
                                           "are adding it to the import profile.",
          work=(Work(0, 13, 120, "Extended the import profile with the new size chart column"),
                Work(1, 9, 60, "Re-imported the supplier file and checked 140 products")),
          resolve_days=1, resolution="The import profile reads the new column; all 140 size charts are in.",
          rating=(4, "Quick and clear.")),
    Story("bolt-hardware", "bo", "incident", "Product export to the marketplace fails",
          "The nightly export to the marketplace stops with 'invalid EAN' since Monday.", "Bolt PIM",
          back=3, workday=10, hour=8.5, reply="Two products have an EAN with a space in it; we are cleaning them "
                                             "and making the export skip such values with a warning.",
          work=(Work(0, 9, 105, "Cleaned the EANs and made the export validate them"),),
          resolve_days=1, resolution="The export validates EANs and runs again every night.",
          rating=(3, "")),
    # Two months ago.
    Story("acme-foods", "anna", "incident", "Price export to the webshop stopped overnight",
          "No price updates reached the webshop last night; the export shows 'queued' since 02:00.", "Acme PIM",
          back=2, workday=5, hour=16.5, impact=Impact.HIGH, urgency=Urgency.HIGH, reply_after_hours=0.5,
          reply="We are on it: the export worker has stopped; we restart it and check every price.",
          work=(Work(0, 17, 60, "Restarted the export worker out of hours"),
                Work(1, 10, 90, "Weekend on-call: re-ran the export after a second stop", by="manager",
                     weekend=True),
                Work(3, 9, 120, "Root cause: the worker's disk filled with old logs; rotation set up",
                     reason=NonBillableReason.OUR_DEFECT)),
          resolve_days=3, resolution="The export worker's logs rotate now and an alert warns before the disk "
                                     "fills; prices export every night again.",
          reopen="The export was late again this morning (07:10).",
          second_resolution="The late run was the weekly re-index running at the same time; it now runs on "
                            "Sundays only.",
          rating=(2, "It took three days and we had to chase twice before it was stable.")),
    Story("acme-foods", "admin", "guidance", "How should we model product bundles?",
          "We want to sell gift boxes made of several products. How should we set this up in the PIM?",
          "Acme PIM", back=2, workday=9, hour=10, impact=Impact.LOW, urgency=Urgency.LOW,
          reply="Good question; we prepare two options and go through them with you on Thursday.",
          work=(Work(1, 13, 90, "Prepared the bundle modelling options"),
                Work(3, 10, 60, "Walkthrough of the options with Lars")),
          resolve_days=3, resolution="We agreed on product models with a 'bundle' association; the notes of "
                                     "our meeting are attached to your knowledge space.",
          rating=(5, "Very helpful session.")),
    Story("acme-foods", "anna", "new-user-access", "Editor access for Ole Bak",
          "Ole starts in the web team on Monday and needs editor access to the PIM.", "Acme PIM",
          back=2, workday=15, hour=9, impact=Impact.LOW, urgency=Urgency.MEDIUM,
          reply="We create Ole's account today.",
          work=(Work(0, 11, 20, "Created Ole Bak's editor account"),),
          resolve_days=0, resolution="Ole Bak has editor access; his invitation e-mail is on its way."),
    Story("nordic-fashion", "nils", "incident", "Product pages slow after the Sitecore update",
          "Product pages take 6 seconds to load since the update on Tuesday.", "Nordic Shop CMS",
          back=2, workday=6, hour=14, impact=Impact.MEDIUM, urgency=Urgency.HIGH,
          reply="The new version's output cache is off by default; we are turning it on for product pages.",
          work=(Work(0, 15, 120, "Found the disabled output cache after the update"),
                Work(1, 9, 150, "Enabled and tuned the output cache; load test")),
          resolve_days=1, resolution="Product pages load in under a second again.",
          reopen="Category pages are still slow.",
          second_resolution="The cache now covers category pages too.",
          rating=(3, "Fixed, but only on the second try.")),
    Story("bolt-hardware", "bo", "incident", "Images of new products not shown",
          "New products from this week show a placeholder instead of their image.", "Bolt PIM",
          back=2, workday=12, hour=11, reply="The image service's upload folder changed; we are pointing the "
                                            "PIM at the new one.",
          work=(Work(0, 13, 60, "Pointed the PIM at the new image folder and re-linked 35 images"),),
          resolve_days=0, resolution="All new products show their images.", answer="auto"),
    # Last month.
    Story("acme-foods", "anna", "product-import-issue", "Supplier import skipped 300 products",
          "The import of the Nordkøl supplier file skipped about 300 products without an error.", "Acme PIM",
          back=1, workday=4, hour=9, reply="The skipped products have a category that does not exist yet in "
                                           "the PIM; we create it and re-run the import.",
          work=(Work(0, 10, 90, "Found the missing category"),
                Work(0, 13, 120, "Created the category and re-ran the import")),
          resolve_days=1, resolution="All 300 products are imported into the new 'Chilled desserts' category.",
          rating=(5, "")),
    Story("acme-foods", "anna", "incident", "Checkout shows prices without VAT",
          "Since this morning the checkout shows prices without VAT for private customers.", "Acme Web",
          back=1, workday=10, hour=8.25, impact=Impact.HIGH, urgency=Urgency.HIGH, reply_after_hours=0.25,
          reply="We see it too and are rolling back yesterday's price template change now.",
          work=(Work(0, 8.5, 45, "Rolled back the price template"),
                Work(0, 10, 120, "Fixed the VAT display and tested all customer groups")),
          resolve_days=0, resolution="Prices show with VAT again for private customers; business customers "
                                     "still see net prices.",
          rating=(4, "Fast reaction, thank you.")),
    Story("acme-foods", "admin", "content-model-change", "Add a 'country of origin' attribute",
          "Show the country of origin on fruit and vegetable product pages.", "Acme PIM",
          back=1, workday=13, hour=13, impact=Impact.LOW, urgency=Urgency.LOW,
          reply="We add the attribute to the Fresh family and the product page this week.",
          work=(Work(1, 9, 180, "New attribute, family change and template"),
                Work(2, 10, 60, "Review and release")),
          resolve_days=2, resolution="'Country of origin' is on all fresh products and shown on the web."),
    Story("nordic-fashion", "nils", "translation-update", "Finnish texts for the winter collection",
          "Please publish the Finnish texts for the winter collection (210 products).", "Nordic Shop CMS",
          back=1, workday=5, hour=10, impact=Impact.LOW, urgency=Urgency.LOW,
          reply="We publish them today.",
          work=(Work(0, 13, 150, "Published 210 Finnish product texts"),),
          resolve_days=0, resolution="All 210 Finnish texts are published.", rating=(5, "")),
    Story("bolt-hardware", "bo", "incident", "Supplier prices not updated",
          "The prices from Bolt's main supplier have not changed since last week.", "Bolt PIM",
          back=1, workday=9, hour=9.5, reply="The supplier moved their price file to a new address; we update "
                                            "the feed.",
          work=(Work(0, 10.5, 45, "Updated the supplier feed's address and re-ran it"),),
          resolve_days=0, resolution="The prices are up to date again.", rating=(3, "Good.")),
)  # fmt: skip

# Corrections of the bank, made by the service manager in the month before the current one: (org, minutes, why).
ADJUSTMENTS = (
    ("acme-foods", 60, "Goodwill: the price export's repeated stops two months ago cost Acme time to chase."),
    ("nordic-fashion", -45, "Phone support on the winter collection's go-live, not logged on a ticket."),
)


def _run_now(task: Task, *args: object, **kwargs: object) -> None:
    task.call(*args, **kwargs)


@contextlib.contextmanager
def _at(moment: dt.datetime) -> Iterator[None]:
    """Run the services as if it were `moment`: every `now()` (and Django's `timezone.now`) answers it, and the
    background work they queue (notifications, SLA notices) runs at once, as a worker would have run it then.
    Every task is idempotent, so the rows the queue still holds change nothing when a worker reaches them."""
    with (
        mock.patch("django.utils.timezone.now", return_value=moment.astimezone(dt.UTC)),
        mock.patch.object(Task, "enqueue", _run_now),
    ):
        yield


def _working_days(first: dt.date) -> list[dt.date]:
    """The month's weekdays (Monday to Friday), in order."""
    days, day = [], first
    while day.month == first.month:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _months_back(today: dt.date, back: int) -> dt.date:
    year, month = today.year, today.month - back
    while month < 1:
        year, month = year - 1, month + 12
    return dt.date(year, month, 1)


def _moment(day: dt.date, hour: float, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    minutes = round(hour * 60)
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), zone)


def _after_working_days(day: dt.date, count: int) -> dt.date:
    while count > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def history_start(today: dt.date) -> dt.date:
    """The first day of the history: the first of the month `MONTHS` before the current one."""
    return _months_back(today, MONTHS)


@dataclass
class _Demo:
    orgs: dict[str, Organisation]
    solutions: dict[str, Solution]
    people: dict[str, User]
    operations: Team
    types: dict[str, RequestType]


def _tell(story: Story, demo: _Demo) -> None:
    org = demo.orgs[story.org]
    zone = zoneinfo.ZoneInfo(org.time_zone)
    carla, requester = demo.people["consultant"], demo.people[story.by]
    today = now().astimezone(zone).date()
    workdays = _working_days(_months_back(today, story.back))
    came_in = _moment(workdays[min(story.workday, len(workdays)) - 1], story.hour, zone)
    request_type = demo.types[story.type]
    solution = demo.solutions[story.solution]
    environment = solution.environments.filter(kind=EnvironmentKind.PRODUCTION).first()
    with _at(came_in):
        ticket = ticket_create(
            actor=requester, organisation=org, request_type=request_type, title=story.title,
            description=story.description, impact=story.impact, urgency=story.urgency, solution=solution,
            environment=environment if request_type.ticket_type == "incident" else None,
            answers=_story_answers(request_type, story, solution),
        )  # fmt: skip
    replied = came_in + dt.timedelta(hours=story.reply_after_hours)
    with _at(replied - dt.timedelta(minutes=5)):
        ticket_assign(actor=carla, ticket=ticket, team=demo.operations, assignee=carla)
        ticket_transition(actor=carla, ticket=ticket, to=Status.IN_PROGRESS)
    with _at(replied):
        ticket_reply(actor=carla, ticket=ticket, body=f"Hi {requester.get_short_name()},\n\n{story.reply}")
    resolved_day = _after_working_days(came_in.date(), story.resolve_days)
    for work in story.work:
        day = _after_working_days(came_in.date(), work.days)
        if work.weekend:
            day = came_in.date() + dt.timedelta(days=(5 - came_in.weekday()) % 7 or 7)  # the Saturday after
        started = _moment(day, work.hour, zone)
        with _at(started + dt.timedelta(minutes=work.minutes)):
            time_log(actor=demo.people[work.by], ticket=ticket, minutes=work.minutes, work_date=day,
                     started_at=started, billable=not work.reason, non_billable_reason=work.reason,
                     description=work.description)  # fmt: skip
    resolved = max(_moment(resolved_day, 15.5, zone), replied + dt.timedelta(hours=1))
    with _at(resolved):
        ticket_transition(actor=carla, ticket=ticket, to=Status.RESOLVED, note=story.resolution)
    if story.reopen:
        with _at(_moment(_after_working_days(resolved.date(), 1), 8.5, zone)):
            ticket_reopen(actor=requester, ticket=ticket, reason=story.reopen)
        resolved = _moment(_after_working_days(resolved.date(), 2), 14, zone)
        with _at(resolved):
            ticket_transition(actor=carla, ticket=ticket, to=Status.RESOLVED, note=story.second_resolution)
    if story.rating is not None:
        score, comment = story.rating
        resolution = ticket.events.filter(kind=EventKind.STATUS_CHANGED, data__after=Status.RESOLVED).latest("pk")
        with _at(resolved + dt.timedelta(hours=2)):
            rating_record_from_link(token=rating_token(resolution_id=resolution.pk, requester_id=requester.pk),
                                    score=score, comment=comment)  # fmt: skip
    if story.answer == "confirm":
        with _at(resolved + dt.timedelta(hours=3)):
            ticket_confirm_resolution(actor=requester, ticket=Ticket.objects.get(pk=ticket.pk))
    else:
        with _at(resolved + dt.timedelta(days=_auto_close_days(ticket) + 1)):
            ticket_auto_close(ticket_id=ticket.pk)


def _auto_close_days(ticket: Ticket) -> int:
    """After how many days the ticket's contract closes an unanswered resolution."""
    contract = ticket.organisation.contracts.select_related("tier").first()
    return contract.tier.auto_close_after_days if contract is not None else 5


def _story_answers(request_type: RequestType, story: Story, solution: Solution) -> list[dict]:
    values: dict[str, object] = {"solution": solution.name, "environment": f"{solution.name} · Production",
                                 "workaround": False, "steps": story.description, "job": "supplier import",
                                 "change": story.description, "reason": story.title, "can_wait": True,
                                 "languages": "de", "texts": "64", "question": story.description,
                                 "person": "Ole Bak", "email": "ole@acme.example", "access": "Editor",
                                 "needed_from": (now().date() + dt.timedelta(days=3)).isoformat(),
                                 "topic": "Data model", **story.answers}  # fmt: skip
    return [{"key": f.key, "label": f.label, "kind": f.kind, "value": values.get(f.key)}
            for f in request_type.fields.all()]  # fmt: skip


def load_history(*, orgs: dict[str, Organisation], solutions: dict[str, Solution], people: dict[str, User],
                 operations: Team) -> None:  # fmt: skip
    """Write the demo's three months of history (see the module): the contracts' hour terms, the finished
    requests with their replies, time and ratings, the bank's adjustments, and the months closed since."""
    first_email = OutboxEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    first_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for slug, terms in HOUR_TERMS.items():
        HourTerms.objects.create(contract=orgs[slug].contracts.get(), close_day=CLOSE_DAY, **terms)
    demo = _Demo(orgs, solutions, people, operations,
                 {rt.slug: rt for rt in RequestType.objects.prefetch_related("fields")})  # fmt: skip
    stories = sorted(STORIES, key=lambda s: (-s.back, s.workday, s.hour))
    for story in stories:
        _tell(story, demo)
    magnus = people["manager"]
    zone = zoneinfo.ZoneInfo("Europe/Copenhagen")
    today = now().astimezone(zone).date()
    last_month = _months_back(today, 1)
    for slug, minutes, reason in ADJUSTMENTS:
        with _at(_moment(_working_days(last_month)[-3], 11, zone)):
            ledger_adjust(actor=magnus, contract=orgs[slug].contracts.get(), month=last_month, minutes=minutes,
                          reason=reason)  # fmt: skip
    # Each month closed on the closing day of the month after, by the scheduled closing; the month before the
    # current one only once its closing day has come.
    for back in range(MONTHS, 0, -1):
        closing = _moment(_months_back(today, back - 1).replace(day=CLOSE_DAY), 6, zone)
        if closing > now():
            continue
        with _at(closing):
            for contract in Contract.objects.filter(organisation__in=orgs.values()).select_related("organisation"):
                ledger_close(actor=None, contract=contract, through=_months_back(today, back))
    # The history's notifications were read in their time, and its e-mails went out when they were written: the
    # outbox does not send them again now.
    Notification.objects.filter(pk__gt=first_notification, read_at__isnull=True).update(read_at=F("created_at"))
    OutboxEmail.objects.filter(pk__gt=first_email, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.SENT, sent_at=F("created_at")
    )
