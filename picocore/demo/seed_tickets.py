"""The tickets of `picocore seed`: planned, generated as plain rows and bulk-loaded (`picocore.demo.bulk`).

Each ticket gets a text from templates, a priority from the configured matrix, a lifecycle with its timeline
(the events stored as `picocore.tickets.timeline` writes them) and a key that continues its organisation's
counter. Rows are tuples, not model instances: at a million tickets, building instances and letting the ORM
prepare every value cost more than generating the data.
"""

import contextlib
import datetime as dt
import functools
import itertools
import json
import random
import zoneinfo
from bisect import bisect
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii  # the C function json.dumps uses for strings
from typing import Any, Protocol

from django.db import transaction
from django.db.models import Model

from picocore.catalog.choices import FieldKind, Impact, TicketType
from picocore.catalog.models import FormField, RequestType
from picocore.catalog.priority import PriorityDecision
from picocore.cmdb.choices import EnvironmentKind, SolutionKind
from picocore.cmdb.models import Environment, Solution
from picocore.demo import bulk
from picocore.tenancy.models import Organisation, Team, User
from picocore.tickets.choices import Channel, Status
from picocore.tickets.keys import allocate_ticket_numbers, ticket_key
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.timeline import Created, StatusChanged

# What each generated row gives, in order; every other column gets its default (`bulk.table`).
TICKET_FIELDS = (
    "id", "organisation_id", "number", "key", "ticket_type", "request_type_id", "title", "description", "answers",
    "requester_id", "solution_id", "environment_id", "impact", "urgency", "priority", "priority_reason", "status",
    "team_id", "assignee_id", "next_step", "next_step_due", "channel", "created_at", "updated_at", "resolved_at",
    "closed_at",
)  # fmt: skip
EVENT_FIELDS = ("ticket_id", "organisation_id", "kind", "public", "actor_id", "body", "data", "created_at")
# From this many tickets in one run (and more than the table holds), the ticket table's indexes are built
# again after the load instead of updated row by row (PostgreSQL).
INDEX_REBUILD_FROM = 50_000

FIRST_NAMES = [
    "Anna", "Lars", "Mette", "Nils", "Sofie", "Jonas", "Emma", "Oliver", "Ida", "Mikkel", "Freja", "Lukas", "Clara",
    "Henrik", "Maja", "Jakob", "Sara", "Elias", "Laura", "Mathias", "Eva", "Tobias", "Hanna", "Felix", "Julia",
    "Pieter", "Camille", "Marco", "Lucia", "Tomasz", "Aino", "Sven", "Ingrid", "Daan", "Lea",
]  # fmt: skip
LAST_NAMES = [
    "Jensen", "Nielsen", "Hansen", "Berg", "Lund", "Holm", "Andersson", "Johansson", "Larsen", "Virtanen", "Korhonen",
    "Schmidt", "Weber", "Fischer", "Becker", "Janssen", "Dubois", "Martin", "Rossi", "Bianchi", "Garcia", "Lopez",
    "Silva", "Kowalski", "Novak", "Murphy", "Smith", "Ek", "Dahl", "Bakker", "Meyer", "Olsen", "Lindqvist", "Moreau",
]  # fmt: skip

PREFERRED_KINDS = {
    "product-import-issue": (SolutionKind.PIM,),
    "translation-update": (SolutionKind.CMS, SolutionKind.PIM),
    "content-model-change": (SolutionKind.PIM, SolutionKind.CMS),
}

# The words the templates below are filled with, one drawn per ticket.
WORDS = {
    "market": ["DK", "SE", "NO", "FI", "DE", "AT", "CH", "NL", "BE", "FR", "UK", "IE", "ES", "IT", "PL"],
    "language": ["Danish", "Swedish", "Norwegian", "Finnish", "German", "Dutch", "French", "Spanish", "Italian",
                 "Polish", "English"],
    "category": ["Frozen", "Outdoor jackets", "Power tools", "Garden furniture", "Kitchen appliances",
                 "Running shoes", "Skin care", "Lighting", "Bicycles", "Office chairs", "Pet food", "Wine"],
    "supplier": ["Fischer & Co", "Hallberg Trading", "Meyer Logistik", "Nordisk Engros", "Iberia Imports",
                 "Van Dijk Distributie"],
    "job": ["nightly_supplier_feed", "price_update_hourly", "erp_product_sync", "asset_import_cdn",
            "stock_levels_15min", "gs1_feed_import"],
    "attribute": ["allergens", "energy label", "country of origin", "care instructions", "material composition",
                  "warranty period", "battery type", "sustainability badge"],
    "campaign": ["summer", "Black Friday", "Christmas", "back-to-school", "spring", "Easter", "clearance"],
    "page": ["product page", "category page", "checkout", "search page", "front page", "store locator"],
    "topic": ["data model", "workflows", "integrations", "performance", "search tuning", "user roles"],
}  # fmt: skip
# Titles by request type slug of the demo catalogue, else by ticket type.
TITLES: dict[str, list[str]] = {
    "incident": [
        "Product images missing on the {market} webshop", "Error 500 when saving products in {solution}",
        "The {page} loads slowly since the last release", "Search returns no results for '{category}'",
        "Editors cannot publish pages in {solution}", "Prices on the {market} site not updated",
        "Login to {solution} fails for all editors", "Completeness not calculated for {category}",
        "Broken links on the {market} {page}", "Scheduled export to the {market} webshop did not run",
        "Timeouts in {solution} on {env}", "Wrong stock levels shown for {category}",
    ],
    "product-import-issue": [
        "Supplier feed from {supplier} not imported", "Import job {job} failed on {env}",
        "{n} products missing after the nightly import", "Duplicate SKUs created by {job}",
        "Images not linked after the import of {category}", "Price import rejects products from {supplier}",
    ],
    "new-user-access": [
        "Editor access for {person}", "Administrator rights for {person} in {solution}",
        "Read-only access to {solution} for {person}",
    ],
    "translation-update": [
        "{language} texts for the {campaign} campaign", "Correct {language} descriptions in {category}",
        "Add {language} as a new locale in {solution}", "Update {language} translations on the {page}",
    ],
    "content-model-change": [
        "Add '{attribute}' attribute to {category}", "New page template for {campaign} landing pages",
        "Make '{attribute}' mandatory for the {market} channel", "Split the {category} family into two",
        "New block type for the {page} in {solution}",
    ],
    "guidance": [
        "Best practice for {topic} in {solution}", "How should we model {attribute} variants?",
        "Review of our {topic} set-up", "Advice before we open the {market} market",
    ],
    TicketType.SERVICE_REQUEST: [
        "Export of {category} products from {solution}", "Please re-run the {job} job on {env}",
        "Help with {topic} in {solution}",
    ],
    TicketType.CHANGE_REQUEST: ["Change the {page} in {solution}", "Add '{attribute}' to the {market} export"],
}  # fmt: skip
OPENINGS: dict[str, list[str]] = {
    TicketType.INCIDENT: [
        "Since this morning about {n} products on the {market} webshop are affected.",
        "Several editors reported the problem after yesterday's release of {solution}.",
        "It started around lunch time and we see it on {env}.", "We noticed it in our daily check of the {page}.",
    ],
    TicketType.SERVICE_REQUEST: [
        "We need this before the {campaign} campaign starts.", "{person} joins the {category} team next week.",
        "This is a routine request for {solution}.", "Our {market} team asked for it this week.",
    ],
    TicketType.CHANGE_REQUEST: [
        "For the {campaign} campaign we need {solution} to support this.",
        "New rules in the {market} market require it from next quarter.",
        "Our content team has asked for this for a while.",
    ],
}  # fmt: skip
DETAILS = [
    "The data looks correct in {solution}, so it seems to go wrong on the way out.", "Clearing the cache did not help.",
    "The details are in the form below.", "It concerns the {category} range in particular.",
    "No changes were made on our side as far as we know.", "It can go with the next planned release if easier.",
]  # fmt: skip
CLOSINGS = [
    "Could you please look into it?", "Please let us know when you expect it to be done.",
    "Screenshots can be sent on request.", "Thank you in advance.", "Call me if anything is unclear.",
]  # fmt: skip
TEXT_ANSWERS = {"job": "{job}", "person": "{person}", "email": "{email}", "languages": "{language}"}
LONG_ANSWERS = {
    "steps": "Open the {page} for any product in {category} and compare it with {solution}.",
    "error": "ERROR Validation failed for 12 rows in {job}: attribute '{attribute}' is missing.",
    "change": "A new attribute '{attribute}' on the {category} family, shown on the {market} site.",
    "reason": "Needed for the {campaign} campaign and the {market} market.",
}
# What the team (or, when reopening, the customer) writes with a status change.
NOTES = {
    Status.RESOLVED: [
        "Done and verified on production. Please confirm that it works for you.",
        "The cause was an expired certificate on the integration; it is renewed and monitored now.",
        "We corrected the configuration and re-ran the affected jobs.",
        "Deployed to production in today's release window.",
        "A patch from {vendor} is installed; the problem no longer occurs.",
    ],
    Status.WAITING_ON_CUSTOMER: [
        "Could you send a screenshot and the time it happened?", "Which products are affected? A few SKUs help.",
        "Please approve the estimate of {n} hours before we start.", "Can you confirm the list of languages?",
    ],
    Status.WAITING_ON_THIRD_PARTY: ["We have opened a case with {vendor} support and wait for their answer."],
    Status.CANCELLED: [
        "Cancelled at the customer's request.", "Duplicate of another request; we continue there.",
        "No longer needed after the last release.",
    ],
    "reopened": ["It happens again on a few products.", "The fix does not work on the {market} site."],
}  # fmt: skip
AUTO_CLOSED = "Closed automatically: resolved {days} days ago without a reply."  # as ticket_auto_close writes
NEXT_STEPS = {
    Status.TRIAGED: ["Plan the work for the next sprint", "Estimate the effort"],
    Status.IN_PROGRESS: ["Analyse the logs of {env}", "Fix and deploy to staging for your test",
                         "Re-run the import and verify the result"],
    Status.WAITING_ON_CUSTOMER: ["Waiting for your answer"],
    Status.WAITING_ON_THIRD_PARTY: ["Waiting for {vendor} support"],
}  # fmt: skip

# The share of tickets ending in each status: most are finished, and every open status is represented.
STATUS_SHARES = {
    Status.CLOSED: 0.84, Status.CANCELLED: 0.05, Status.RESOLVED: 0.025, Status.IN_PROGRESS: 0.03,
    Status.WAITING_ON_CUSTOMER: 0.02, Status.NEW: 0.015, Status.TRIAGED: 0.01, Status.WAITING_ON_THIRD_PARTY: 0.01,
}  # fmt: skip
LEVEL_WEIGHTS = ([Impact.LOW.value, Impact.MEDIUM.value, Impact.HIGH.value], [50, 35, 15])
TYPE_WEIGHTS = {TicketType.INCIDENT: 45, TicketType.SERVICE_REQUEST: 40, TicketType.CHANGE_REQUEST: 15}
CHANNELS = ([Channel.WEB.value, Channel.EMAIL.value, Channel.PHONE.value, Channel.API.value], [75, 15, 8, 2])
ENVIRONMENT_WEIGHTS = ([EnvironmentKind.PRODUCTION, EnvironmentKind.STAGING, EnvironmentKind.TEST], [70, 20, 10])
# Mean hours a ticket stays in a status before it moves on; in progress → resolved depends on the priority.
HOURS_IN = {Status.NEW: 1.5, Status.TRIAGED: 4, Status.IN_PROGRESS: 6, Status.WAITING_ON_CUSTOMER: 24,
            Status.WAITING_ON_THIRD_PARTY: 40, Status.RESOLVED: 36}  # fmt: skip
HOURS_TO_RESOLVE = {1: 4, 2: 12, 3: 30, 4: 60, 5: 100}
HOUR = dt.timedelta(hours=1)
IN_PROGRESS, RESOLVED, CLOSED = Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED


@dataclass
class _Solution:
    id: int
    name: str
    kind: str
    vendor: str
    environments: dict[str, tuple[int, str]] = field(default_factory=dict)  # kind → (id, label as the form shows)


@dataclass
class _RequestType:
    model: RequestType
    questions: list[tuple[FormField, list[str]]]  # each form field with its options
    kinds: frozenset[str]
    weight: int
    titles: list[str] = field(init=False)
    openings: list[str] = field(init=False)
    # Each question's answer as JSON up to its value, as json.dumps writes {key, label, kind, value}.
    answer_heads: list[str] = field(init=False)

    def __post_init__(self) -> None:
        model = self.model
        self.answer_heads = [
            json.dumps({"key": spec.key, "label": spec.label, "kind": spec.kind, "value": None}).removesuffix("null}")
            for spec, _ in self.questions
        ]
        self.titles = TITLES.get(model.slug) or TITLES.get(model.ticket_type) or TITLES["incident"]
        self.openings = OPENINGS.get(model.ticket_type, OPENINGS[TicketType.SERVICE_REQUEST])


@dataclass
class _Customer:
    """What generating a ticket needs to know about one organisation, loaded in bulk."""

    id: int
    zone: zoneinfo.ZoneInfo
    earliest: dt.datetime
    request_types: list[_RequestType]
    contacts: list[int]
    solutions: list[_Solution]
    auto_close_days: int
    team_id: int | None
    consultants: list[int]
    type_cumulative: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.type_cumulative = list(itertools.accumulate(rt.weight for rt in self.request_types))


class Draws(random.Random):
    """The run's random numbers: `choice` by one float draw (`random.Random.choice` draws integer bits until
    one fits, which cost a fifth of generating a ticket)."""

    def choice(self, seq):  # the same contract, another draw
        return seq[int(self.random() * len(seq))]


@dataclass
class _Run:
    rng: random.Random
    moment: dt.datetime
    password: str
    matrix: dict[tuple[str, str], PriorityDecision] = field(default_factory=dict)
    today: dt.datetime = field(init=False)  # the start of the moment's day (UTC)

    def __post_init__(self) -> None:
        self.today = dt.datetime.combine(self.moment.date(), dt.time(), dt.UTC)


def _status_plan(count: int, rng: random.Random) -> list[Status]:
    """`count` final statuses in STATUS_SHARES proportions, shuffled; every status at least once when
    `count` is at least the number of statuses."""
    if count < len(STATUS_SHARES):
        return rng.choices(list(STATUS_SHARES), list(STATUS_SHARES.values()), k=count)
    counts = {status: max(1, int(share * count)) for status, share in STATUS_SHARES.items()}
    counts[Status.CLOSED] += count - sum(counts.values())
    plan = [status for status, n in counts.items() for _ in range(n)]
    rng.shuffle(plan)
    return plan


def _created_at(customer: _Customer, status: Status, run: _Run) -> dt.datetime:
    """When a ticket that ends in `status` was filed: finished ones any time since `customer.earliest`, open
    ones in the last weeks; mostly on weekdays in the customer's office hours, and before today began (UTC).

    Counting back from the start of today, with draws that do not depend on the date, makes a seed give the
    same times, and so the same key order, all day long."""
    rng, today = run.rng, run.today
    span = max((today - customer.earliest).total_seconds() / 86400, 0.01)
    if status in (Status.CLOSED, Status.CANCELLED):
        age = rng.uniform(min(1, span / 2), span)
    elif status == Status.RESOLVED:  # still within the confirmation period, else the worker closes it
        age = min(rng.expovariate(1 / 2), max(customer.auto_close_days - 1.5, 0.1), span)
    else:
        age = min(rng.expovariate(1 / (1.5 if status == Status.NEW else 8)), 60, span)
    day = (today - dt.timedelta(days=age)).astimezone(customer.zone).date()
    if day.weekday() >= 5 and rng.random() < 0.85:  # the draw depends on the date, not on the moment
        day -= dt.timedelta(days=day.weekday() - 4)  # most weekend tickets move to Friday
    minute = int(min(max(rng.gauss(660, 150), 360), 1260)) if rng.random() < 0.95 else rng.randrange(1440)
    created = dt.datetime.combine(day, dt.time(minute // 60, minute % 60, rng.randrange(60)), customer.zone)
    if created >= today:  # office hours of a time zone ahead of UTC can fall after midnight UTC
        created -= dt.timedelta(days=1)
    return max(created, customer.earliest).astimezone(dt.UTC)


def _path(final: Status, rng: random.Random) -> list[Status]:
    """The statuses a ticket passes through after `new` to end in `final`: each step a legal transition."""
    triage = [Status.TRIAGED] if rng.random() < 0.6 else []
    if final == Status.NEW:
        return []
    if final == Status.TRIAGED:
        return [Status.TRIAGED]
    if final == Status.CANCELLED:
        return [*rng.choice([[Status.TRIAGED], [], [*triage, Status.IN_PROGRESS]]), Status.CANCELLED]
    if final == Status.WAITING_ON_CUSTOMER and rng.random() < 0.3:
        return [Status.TRIAGED, Status.WAITING_ON_CUSTOMER]  # a question before work starts
    work = [*triage, Status.IN_PROGRESS]
    if rng.random() < 0.2:
        work += [rng.choice((Status.WAITING_ON_CUSTOMER, Status.WAITING_ON_THIRD_PARTY)), Status.IN_PROGRESS]
    if final == Status.IN_PROGRESS:
        return work
    if final in (Status.WAITING_ON_CUSTOMER, Status.WAITING_ON_THIRD_PARTY):
        return [*work, final]
    done = [*work, Status.RESOLVED]
    if rng.random() < 0.05:
        done += [Status.IN_PROGRESS, Status.RESOLVED]  # the customer reopened it once
    return done if final == Status.RESOLVED else [*done, Status.CLOSED]


def _lifecycle(
    final: Status, created: dt.datetime, priority: int, customer: _Customer, run: _Run
) -> tuple[list[tuple[Status, Status, Any]], bool]:
    """(before, after, when) for each status change up to `final`, in order, after `created` and before now;
    and whether the closing was automatic (exactly the tier's confirmation period after the resolution)."""
    rng = run.rng
    path = _path(final, rng)
    if not path:
        return [], False
    befores = [Status.NEW, *path[:-1]]
    expovariate, resolving = rng.expovariate, HOURS_TO_RESOLVE[priority]
    gaps = [
        min(expovariate(1 / (resolving if before is IN_PROGRESS and after is RESOLVED else HOURS_IN[before])), 120.0)
        + 0.05
        for before, after in zip(befores, path, strict=True)
    ]
    automatic = False
    if final is CLOSED:
        period = customer.auto_close_days * 24.0
        automatic = rng.random() < 0.4
        gaps[-1] = period if automatic else min(gaps[-1], period * 0.9)
    room = (run.moment - created).total_seconds() / 3600 * 0.95
    scale = min(1.0, room / sum(gaps))  # squeeze a recent ticket's history into its age
    automatic = automatic and scale == 1.0  # a squeezed one was confirmed by the customer before the period
    changes, when, hour = [], created, HOUR * scale
    for before, after, gap in zip(befores, path, gaps, strict=True):
        when += hour * gap
        changes.append((before, after, when))
    return changes, automatic


def _answer(spec: FormField, choices: list[str], words: dict, created: dt.datetime, rng: random.Random) -> Any:
    """A plausible answer to one question of the request form, stored as the portal form stores it."""
    if not spec.required and rng.random() < 0.3:
        return None
    match spec.kind:
        case FieldKind.SOLUTION:
            return words["solution_answer"] or None
        case FieldKind.ENVIRONMENT:
            return words["environment_answer"] or None
        case FieldKind.CHOICE:
            return rng.choice(choices) if choices else None
        case FieldKind.DATE:
            return (created.date() + dt.timedelta(days=rng.randint(-3, 21))).isoformat()
        case FieldKind.NUMBER:
            return str(words["n"])
        case FieldKind.YES_NO:
            return rng.random() < 0.4
        case FieldKind.TEXT:
            return TEXT_ANSWERS.get(spec.key, "{category}").format(**words)
    return LONG_ANSWERS.get(spec.key, "{category} on the {market} site.").format(**words)


class _Progress(Protocol):
    def advance(self, amount: int) -> None: ...


@functools.cache
def _created_data(channel: str, priority: int, reason: str) -> str:
    """The `data` of a created event, as `Created.to_data` writes it and the ORM stores it (JSON text)."""
    return json.dumps(Created(channel=channel, priority=priority, priority_reason=reason).to_data())


@functools.cache
def _status_data(before: str, after: str, automatic: bool) -> str:
    """The `data` of a status change, as `StatusChanged.to_data` writes it."""
    return json.dumps(StatusChanged(before=before, after=after, automatic=automatic).to_data())


def _json(value: object) -> str:
    """`json.dumps(value)` of an answer (text, flag or nothing), without building an encoder per value."""
    if isinstance(value, str):
        return encode_basestring_ascii(value)
    return "null" if value is None else json.dumps(value)


def _pick[T](items: list[T], cumulative: list[int], rng: random.Random) -> T:
    """`rng.choices(items, weights)[0]` (the same draw) with the cumulative weights computed once."""
    return items[bisect(cumulative, rng.random() * cumulative[-1], 0, len(items) - 1)]


WORD_LISTS = tuple(WORDS.items())
LEVELS, LEVEL_CUMULATIVE = LEVEL_WEIGHTS[0], list(itertools.accumulate(LEVEL_WEIGHTS[1]))
CHANNEL_VALUES, CHANNEL_CUMULATIVE = CHANNELS[0], list(itertools.accumulate(CHANNELS[1]))
ENVIRONMENT_KINDS, ENVIRONMENT_CUMULATIVE = ENVIRONMENT_WEIGHTS[0], list(itertools.accumulate(ENVIRONMENT_WEIGHTS[1]))
NUMBERS = (3, 12, 40, 150, 800)
CREATED, STATUS_CHANGED = Created.kind.value, StatusChanged.kind.value


def _build(
    customer: _Customer, prefix: str, number: int, ticket_id: int, created: dt.datetime, final: Status, run: _Run,
    events: list[tuple],
) -> tuple:  # fmt: skip
    """One ticket row (`TICKET_FIELDS`), its timeline rows (`EVENT_FIELDS`) appended to `events`, consistent
    with each other as the services would leave them: resolved_at, closed_at and updated_at are the times of
    their events."""
    rng = run.rng
    choice = rng.choice
    request_type = _pick(customer.request_types, customer.type_cumulative, rng)
    model = request_type.model
    incident = model.ticket_type == TicketType.INCIDENT
    solution = environment_id = None
    draw = rng.random
    words: dict[str, object] = {key: values[int(draw() * len(values))] for key, values in WORD_LISTS}  # choice()
    words.update(solution="the website", vendor="the vendor", env="production", n=choice(NUMBERS))
    words.update(solution_answer="", environment_answer="")
    if customer.solutions and (incident or FieldKind.SOLUTION in request_type.kinds):
        preferred = [s for s in customer.solutions if s.kind in PREFERRED_KINDS.get(model.slug, ())]
        solution = choice(preferred or customer.solutions)
        words.update(solution=solution.name, vendor=solution.vendor, solution_answer=solution.name)
        if incident or FieldKind.ENVIRONMENT in request_type.kinds:
            kind = _pick(ENVIRONMENT_KINDS, ENVIRONMENT_CUMULATIVE, rng)
            environment_id, label = solution.environments.get(kind, (None, ""))
            words.update(env=label or words["env"], environment_answer=label)
    first, last = choice(FIRST_NAMES), choice(LAST_NAMES)
    words.update(person=f"{first} {last}", email=f"{first}.{last}@example.com".lower())
    if model.asks_impact_and_urgency:
        impact, urgency = _pick(LEVELS, LEVEL_CUMULATIVE, rng), _pick(LEVELS, LEVEL_CUMULATIVE, rng)
    else:
        impact, urgency = model.default_impact, model.default_urgency
    decision = run.matrix[(impact, urgency)]
    title = choice(request_type.titles).format_map(words)
    opening = choice(request_type.openings)
    description = f"{opening} {choice(DETAILS)} {choice(CLOSINGS)}".format_map(words)
    answers = (
        "["
        + ", ".join(
            f"{head}{_json(_answer(spec, options, words, created, rng))}}}"
            for head, (spec, options) in zip(request_type.answer_heads, request_type.questions, strict=True)
        )
        + "]"
    )
    requester = choice(customer.contacts)
    assignee = choice(customer.consultants) if final != Status.NEW and customer.consultants else None
    channel = _pick(CHANNEL_VALUES, CHANNEL_CUMULATIVE, rng)
    filed_by = (assignee or requester) if channel == Channel.PHONE else requester  # the team takes phone calls
    org_id = customer.id
    events.append(
        (ticket_id, org_id, CREATED, Created.public, filed_by, description,
         _created_data(channel, decision.priority, decision.reason), created)
    )  # fmt: skip
    resolved_at = closed_at = None
    updated = created
    changes, automatic = _lifecycle(final, created, decision.priority, customer, run)
    for before, after, when in changes:
        actor, note = assignee, choice(NOTES[after]) if after in NOTES else ""
        closed_by_worker = False
        if before == Status.RESOLVED:  # the customer reopens or confirms, or the worker closes it
            actor, note = requester, choice(NOTES["reopened"]) if after == Status.IN_PROGRESS else ""
            if automatic:
                actor, note = None, AUTO_CLOSED.format(days=customer.auto_close_days)
                closed_by_worker = True
        elif before == Status.WAITING_ON_CUSTOMER:
            actor = requester  # the customer's answer hands it back to the team
        # As `apply_transition`: resolving stamps resolved_at, closing or cancelling closed_at, and
        # reopening clears resolved_at.
        if after == Status.RESOLVED:
            resolved_at = when
        elif after in (Status.CLOSED, Status.CANCELLED):
            closed_at = when
        elif before == Status.RESOLVED:
            resolved_at = None
        events.append(
            (ticket_id, org_id, STATUS_CHANGED, StatusChanged.public, actor, note.format_map(words) if note else "",
             _status_data(before, after, closed_by_worker), when)
        )  # fmt: skip
        updated = when
    next_step, next_step_due = "", None
    if final in NEXT_STEPS:
        next_step = choice(NEXT_STEPS[final]).format_map(words)
        if rng.random() < 0.5:
            next_step_due = run.moment.date() + dt.timedelta(days=rng.randint(0, 10))
    return (
        ticket_id, org_id, number, ticket_key(prefix, number), model.ticket_type, model.pk,
        (title[:1].upper() + title[1:])[:200], description, answers, requester,
        solution.id if solution else None, environment_id, impact, urgency, decision.priority, decision.reason,
        final.value, customer.team_id, assignee, next_step, next_step_due, channel, created, updated, resolved_at,
        closed_at,
    )  # fmt: skip


def create_tickets(customers: list[_Customer], count: int, run: _Run, batch_size: int, progress: _Progress | None):
    """Create `count` tickets over `customers` (a few big, many small), in one transaction and one statement
    per table and `batch_size` tickets; returns (events written, tickets per final status). An organisation's
    numbers follow its tickets' creation times and continue its counter."""
    weights = [run.rng.lognormvariate(0, 0.8) for _ in customers]
    owners = run.rng.choices(range(len(customers)), weights, k=count)
    plan: dict[int, list[tuple[dt.datetime, Status]]] = defaultdict(list)
    statuses = _status_plan(count, run.rng)
    for index, status in zip(owners, statuses, strict=True):
        plan[index].append((_created_at(customers[index], status, run), status))
    tables = (bulk.table(Ticket, TICKET_FIELDS), bulk.table(TicketEvent, EVENT_FIELDS))
    events = 0
    with transaction.atomic():
        # Rebuilding the ticket indexes costs a sort of the whole table; updating them, about a dozen index
        # insertions per ticket: rebuild when the run adds more than the table holds.
        rebuild = count >= max(INDEX_REBUILD_FROM, bulk.estimated_rows(Ticket))
        with contextlib.ExitStack() as stack:
            if rebuild:
                stack.enter_context(bulk.secondary_indexes_deferred(Ticket))
                stack.enter_context(bulk.secondary_indexes_deferred(TicketEvent))
            if bulk.skip_row_triggers(Ticket, TicketEvent):
                bulk.lock_referenced(_referenced(customers))
            numbered = _numbered([(customers[index], sorted(plan[index])) for index in sorted(plan)], count)
            # Last: the writer owns the connection until every batch is written, and the indexes are built after.
            writer = stack.enter_context(bulk.Writer())
            for batch in itertools.batched(numbered, batch_size):
                timeline: list[tuple] = []
                rows = [_build(*ticket, run, timeline) for ticket in batch]
                writer.put((tables[0], rows), (tables[1], timeline))
                events += len(timeline)
                if progress:
                    progress.advance(len(batch))
    return events, Counter(status.value for status in statuses)


def _referenced(customers: list[_Customer]) -> dict[type[Model], list[int]]:
    """Every row a generated ticket or event may refer to (the tickets aside, which the load itself writes)."""
    rows: dict[type[Model], list[int]] = defaultdict(list)
    for customer in customers:
        rows[Organisation].append(customer.id)
        rows[User] += customer.contacts + customer.consultants
        rows[RequestType] += [request_type.model.pk for request_type in customer.request_types]
        rows[Solution] += [solution.id for solution in customer.solutions]
        rows[Environment] += [env_id for solution in customer.solutions for env_id, _ in solution.environments.values()]
        if customer.team_id is not None:
            rows[Team].append(customer.team_id)
    return rows


def _numbered(
    planned: list[tuple[_Customer, list[tuple[dt.datetime, Status]]]], count: int
) -> Iterator[tuple[_Customer, str, int, int, dt.datetime, Status]]:
    """(customer, key prefix, number, ticket id, created, final status) of each planned ticket, organisation after
    organisation, each one's in order of creation. The numbers (one statement per organisation) and the ids (one
    for the run) are reserved in the loading transaction, before any row is written, so a failure leaves neither
    rows nor a gap in the keys; the foreign keys are checked at commit, as Django declares them deferrable (or,
    where the row triggers are skipped, held by `bulk.lock_referenced` beforehand)."""
    numbers = [allocate_ticket_numbers(customer.id, len(rows)) for customer, rows in planned]
    ids = iter(bulk.reserve_ids(Ticket, count))
    return (
        (customer, prefix, number, next(ids), created, status)
        for (customer, rows), (prefix, first) in zip(planned, numbers, strict=True)
        for number, (created, status) in enumerate(rows, start=first)
    )
