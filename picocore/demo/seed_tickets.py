"""The tickets of `picocore seed` with their timelines, the time worked on them and their ratings.

Python writes only what is small (`_fill_work_tables`): each organisation's text variants from the templates
below (title, description, answers, notes and next steps), every lifecycle a ticket may go through with its odds,
and lookup tables; the database generates every row from them (`picocore.demo.seed_sql`), the same rows on
PostgreSQL and SQLite. Each ticket gets a priority from the configured matrix, a lifecycle with its timeline (the
events stored as `picocore.tickets.timeline` writes them) and a key that continues its organisation's counter.
"""

import contextlib
import datetime as dt
import itertools
import json
import math
import random
import statistics
import zoneinfo
from bisect import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from json.encoder import encode_basestring_ascii  # the C function json.dumps uses for strings
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.models import Model, Sum

from picocore.catalog.choices import FieldKind, Impact, TicketType
from picocore.catalog.models import FormField, RequestType
from picocore.catalog.priority import PriorityDecision
from picocore.cmdb.choices import EnvironmentKind
from picocore.cmdb.models import Environment, Solution
from picocore.contracts.models import Contract
from picocore.demo import bulk, seed_sql
from picocore.demo.seed_texts import (
    AUTO_CLOSED,
    CLOSINGS,
    COMMENTS,
    DETAILS,
    FIRST_NAMES,
    LAST_NAMES,
    LONG_ANSWERS,
    NEXT_STEPS,
    NOTES,
    OPENINGS,
    PREFERRED_KINDS,
    TEXT_ANSWERS,
    TITLES,
    WORDS,
    WORK_DESCRIPTIONS,
)
from picocore.hours.choices import NonBillableReason
from picocore.hours.models import HourTerms, TimeEntry
from picocore.hours.rates import Rates, entry_debit
from picocore.satisfaction.models import Rating
from picocore.tenancy.models import Organisation, Team, User
from picocore.tickets.choices import Channel, Status
from picocore.tickets.keys import allocate_ticket_numbers
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.timeline import Created, StatusChanged

# What each generated row gives, in order; every other column gets its default (`bulk.table`).
TICKET_FIELDS = (
    "id", "organisation_id", "number", "key", "ticket_type", "request_type_id", "title", "description", "answers",
    "requester_id", "solution_id", "environment_id", "impact", "urgency", "priority", "priority_reason", "status",
    "team_id", "assignee_id", "next_step", "next_step_due", "channel", "created_at", "updated_at", "resolved_at",
    "closed_at",
)  # fmt: skip
# From this many tickets in one run (and more than the table holds), the ticket table's indexes are built
# again after the load instead of updated row by row (PostgreSQL).
INDEX_REBUILD_FROM = 50_000


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
    contract_id: int | None = None
    rating_scale: int = 5
    hour_terms: bool = False  # the contract has terms with hours included (or gets them in this run)
    rounding_minutes: int = 0
    open_from: dt.date | None = None  # the first month of its hour bank that is not closed
    new: bool = False  # created by this run (gets hour terms when its tier includes hours)
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


# The final statuses in the order of their codes in the generating SQL.
FINALS = tuple(STATUS_SHARES)
CODE = {status: code for code, status in enumerate(FINALS)}
OPEN_WITH_NEXT_STEP = tuple(CODE[status] for status in NEXT_STEPS)
NOTE_CODES = {Status.RESOLVED: 1, Status.WAITING_ON_CUSTOMER: 2, Status.WAITING_ON_THIRD_PARTY: 3,
              Status.CANCELLED: 4, "reopened": 5}  # fmt: skip
WORD_LISTS = tuple(WORDS.items())
NUMBERS = (3, 12, 40, 150, 800)
MAX_STEPS = 8  # status changes on the longest path: triaged … waiting, in progress … reopened, resolved, closed
VARIANTS_PER_CUSTOMER = (64, 1024)  # text variants per organisation: at least, at most
TICKETS_PER_VARIANT = 12
ACTOR_ASSIGNEE, ACTOR_REQUESTER = 1, 2


def status_counts(count: int) -> dict[Status, int]:
    """How many of `count` tickets end in each status: STATUS_SHARES, every status at least once when `count` is
    at least the number of statuses, the rest closed."""
    least = 1 if count >= len(STATUS_SHARES) else 0
    counts = {status: max(least, int(share * count)) for status, share in STATUS_SHARES.items()}
    counts[Status.CLOSED] += count - sum(counts.values())
    return counts


@dataclass(frozen=True)
class Path:
    """One way a ticket goes from new to its final status (the statuses after new), and how likely it is among
    the paths to that status; each step a legal transition."""

    final: Status
    statuses: tuple[Status, ...]
    probability: float

    @property
    def steps(self) -> list[tuple[Status, Status]]:
        return list(zip((Status.NEW, *self.statuses), self.statuses, strict=False))

    @property
    def resolved_step(self) -> int:
        """The number of the last change to resolved (1-based), 0 when there is none."""
        return max((i for i, status in enumerate(self.statuses, 1) if status == Status.RESOLVED), default=0)


def paths() -> list[Path]:
    """Every path, with the odds the old per-ticket draws had: triaged first in 60 %, a wait in 20 % of the work,
    a question before work starts for 30 % of those waiting on the customer, a reopening in 5 % of resolutions."""
    s = Status
    found = [Path(s.NEW, (), 1.0), Path(s.TRIAGED, (s.TRIAGED,), 1.0)]
    third = 1 / 3
    found += [
        Path(s.CANCELLED, (s.TRIAGED, s.CANCELLED), third), Path(s.CANCELLED, (s.CANCELLED,), third),
        Path(s.CANCELLED, (s.TRIAGED, s.IN_PROGRESS, s.CANCELLED), third * 0.6),
        Path(s.CANCELLED, (s.IN_PROGRESS, s.CANCELLED), third * 0.4),
        Path(s.WAITING_ON_CUSTOMER, (s.TRIAGED, s.WAITING_ON_CUSTOMER), 0.3),
    ]  # fmt: skip
    waits = (((), 0.8), ((s.WAITING_ON_CUSTOMER, s.IN_PROGRESS), 0.1), ((s.WAITING_ON_THIRD_PARTY, s.IN_PROGRESS), 0.1))
    for triage, p_triage in (((s.TRIAGED,), 0.6), ((), 0.4)):
        for wait, p_wait in waits:
            work, p = (*triage, s.IN_PROGRESS, *wait), p_triage * p_wait
            found += [
                Path(s.IN_PROGRESS, work, p), Path(s.WAITING_ON_CUSTOMER, (*work, s.WAITING_ON_CUSTOMER), 0.7 * p),
                Path(s.WAITING_ON_THIRD_PARTY, (*work, s.WAITING_ON_THIRD_PARTY), p),
            ]  # fmt: skip
            for reopen, p_reopen in (((), 0.95), ((s.IN_PROGRESS, s.RESOLVED), 0.05)):
                done = (*work, s.RESOLVED, *reopen)
                found += [Path(s.RESOLVED, done, p * p_reopen), Path(s.CLOSED, (*done, s.CLOSED), p * p_reopen)]
    return found


def step_row(path: int, number: int, before: Status, after: Status, closing: bool) -> tuple:
    """(path, step, actor, note, work, closing, data, data when closed automatically) of one status change: as
    `ticket_transition` writes it; the customer acts when leaving resolved or waiting on the customer."""
    actor, note = ACTOR_ASSIGNEE, NOTE_CODES.get(after, 0)
    if before == Status.RESOLVED:
        actor, note = ACTOR_REQUESTER, NOTE_CODES["reopened"] if after == Status.IN_PROGRESS else 0
    elif before == Status.WAITING_ON_CUSTOMER:
        actor = ACTOR_REQUESTER
    data = json.dumps(StatusChanged(before=before, after=after).to_data())
    automatic = json.dumps(StatusChanged(before=before, after=after, automatic=True).to_data())
    return (path, number, actor, note, int(before == Status.IN_PROGRESS), int(closing), data, automatic)


def path_rows(found: list[Path]) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """The work tables of the paths: (path, final, length, resolved step, closing step, mean seconds of each
    step, -1 for the resolution whose mean goes by the priority); their steps (step 0 the created event); and
    for each final status the path each bucket of draws takes."""
    rows, steps = [], []
    for index, path in enumerate(found):
        means = [-1 if (b, a) == (IN_PROGRESS, RESOLVED) else int(HOURS_IN[b] * 3600) for b, a in path.steps]
        closing = len(path.statuses) if path.final == CLOSED else 0
        rows.append((index, CODE[path.final], len(path.statuses), path.resolved_step, closing,
                     *means, *[0] * (MAX_STEPS - len(means))))  # fmt: skip
        steps.append((index, 0, 0, 0, 0, 0, None, None))
        steps += [step_row(index, n, b, a, n == closing) for n, (b, a) in enumerate(path.steps, 1)]
    picks = []
    for final in FINALS:
        candidates = [index for index, path in enumerate(found) if path.final == final]
        weights = [found[index].probability for index in candidates]
        picks += [(CODE[final], bucket, candidates[i]) for bucket, i in enumerate(seed_sql.buckets(weights))]
    return rows, steps, picks


def variant_count(tickets: int, customers: int) -> int:
    low, high = VARIANTS_PER_CUSTOMER
    return min(high, max(low, tickets // max(customers, 1) // TICKETS_PER_VARIANT))


def variants(customer: _Customer, slot: int, count: int, run: _Run) -> list[tuple]:
    """`count` text variants of the customer's requests, each a request type (drawn by its weight) with its
    solution, environment, title, description, answers, the notes of its status changes and its next steps."""
    return [_variant(customer, slot, index, run) for index in range(count)]


def _variant(customer: _Customer, slot: int, index: int, run: _Run) -> tuple:
    rng = run.rng
    choice = rng.choice
    request_type = _pick(customer.request_types, customer.type_cumulative, rng)
    model = request_type.model
    incident = model.ticket_type == TicketType.INCIDENT
    solution = environment_id = None
    words: dict[str, object] = {key: choice(values) for key, values in WORD_LISTS}
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
    asks = model.asks_impact_and_urgency
    cell = LEVELS.index(model.default_impact) * 3 + LEVELS.index(model.default_urgency)
    title = choice(request_type.titles).format_map(words)
    description = f"{choice(request_type.openings)} {choice(DETAILS)} {choice(CLOSINGS)}".format_map(words)
    pre, post, date_offset = _answers(request_type, words, rng)
    notes = [choice(NOTES[key]).format_map(words) for key in NOTE_CODES]
    next_steps = [choice(NEXT_STEPS[status]).format_map(words) for status in NEXT_STEPS]
    answers = pre if date_offset < 0 else None
    return (
        slot, index, model.pk, model.ticket_type, (title[:1].upper() + title[1:])[:200], description, answers,
        pre if date_offset >= 0 else None, post, date_offset, solution.id if solution else None, environment_id,
        int(asks), cell, *notes, *next_steps,
    )  # fmt: skip


VARIANT_COLUMNS = (
    "slot", "vidx", "rt", "ttype", "title", "description", "answers", "answers_pre", "answers_post", "date_off",
    "solution", "environment", "asks", "cell", "note_res", "note_woc", "note_wotp", "note_can", "note_reo",
    "ns_tri", "ns_ip", "ns_woc", "ns_wotp",
)  # fmt: skip


def _answers(request_type: _RequestType, words: dict, rng: random.Random) -> tuple[str, str | None, int]:
    """The answers as JSON; with a date question answered, the JSON before and after its value and the value's
    days after the ticket's creation (the database writes the date)."""
    before: list[str] = []
    after: list[str] = []
    head_of_date, offset = "", -1
    for head, (spec, options) in zip(request_type.answer_heads, request_type.questions, strict=True):
        value = _answer(spec, options, words, rng)
        if spec.kind == FieldKind.DATE and value is not None and offset < 0:
            head_of_date, offset = head, rng.randint(-3, 21)
            continue
        (after if offset >= 0 else before).append(f"{head}{_json(value)}}}")
    if offset < 0:
        return "[" + ", ".join(before) + "]", None, -1
    pre = "[" + "".join(f"{item}, " for item in before) + head_of_date + '"'
    return pre, '"}' + "".join(f", {item}" for item in after) + "]", offset


def _answer(spec: FormField, choices: list[str], words: dict, rng: random.Random) -> Any:
    """A plausible answer to one question of the request form, stored as the portal form stores it (a date:
    any non-None value, the database writes it)."""
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
            return True
        case FieldKind.NUMBER:
            return str(words["n"])
        case FieldKind.YES_NO:
            return rng.random() < 0.4
        case FieldKind.TEXT:
            return TEXT_ANSWERS.get(spec.key, "{category}").format(**words)
    return LONG_ANSWERS.get(spec.key, "{category} on the {market} site.").format(**words)


def _json(value: object) -> str:
    """`json.dumps(value)` of an answer (text, flag or nothing), without building an encoder per value."""
    if isinstance(value, str):
        return encode_basestring_ascii(value)
    return "null" if value is None else json.dumps(value)


def _pick[T](items: list[T], cumulative: list[int], rng: random.Random) -> T:
    """`rng.choices(items, weights)[0]` (the same draw) with the cumulative weights computed once."""
    return items[bisect(cumulative, rng.random() * cumulative[-1], 0, len(items) - 1)]


LEVELS, LEVEL_CUMULATIVE = LEVEL_WEIGHTS[0], list(itertools.accumulate(LEVEL_WEIGHTS[1]))
ENVIRONMENT_KINDS, ENVIRONMENT_CUMULATIVE = ENVIRONMENT_WEIGHTS[0], list(itertools.accumulate(ENVIRONMENT_WEIGHTS[1]))
CHANNEL_VALUES = CHANNELS[0]

# Ratings: the share of resolved and closed tickets rated, and per scale the odds of each score.
RATING_SHARE = 35
SCORE_WEIGHTS = {5: [3, 5, 12, 35, 45], 3: [8, 25, 67]}
COMMENT_SHARE = 0.3
# Time entries: minutes of a spell of work and their odds; 85 % billable, the rest with a reason.
WORK_MINUTES = ([15, 30, 45, 60, 90, 120, 180, 240, 360], [10, 22, 14, 20, 12, 10, 6, 4, 2])
NOT_BILLABLE = (
    (NonBillableReason.OUR_DEFECT, 5), (NonBillableReason.GOODWILL, 4), (NonBillableReason.INTERNAL, 4),
    (NonBillableReason.SLA_BREACH, 2),
)  # fmt: skip
TIME_SHARE = 30  # percent of the spells of work logged on tickets of contracts without hours included


class _Progress(Protocol):
    def start(self, description: str, total: int) -> None: ...
    def advance(self, amount: int) -> None: ...


def _score_rows() -> list[tuple]:
    rows, comments = [], random.Random("picocore-seed-comments")
    for scale, weights in SCORE_WEIGHTS.items():
        scores = seed_sql.buckets(weights, 1000)
        low = max(1, 2 * scale // 5)
        for bucket, index in enumerate(scores):
            score = index + 1
            kind = "low" if score <= low else "high" if score == scale else "middle"
            comment = comments.choice(COMMENTS[kind]) if comments.random() < COMMENT_SHARE else ""
            rows.append((scale, bucket, score, comment))
    return rows


def _work_rows() -> list[tuple]:
    rng = random.Random("picocore-seed-work")
    minutes = seed_sql.buckets(WORK_MINUTES[1], 1000)
    reasons = [reason for reason, n in NOT_BILLABLE for _ in range(n)]
    rows = []
    for bucket, index in enumerate(minutes):
        reason = rng.choice(reasons) if rng.random() < 0.15 else ""
        rows.append((bucket, WORK_MINUTES[0][index], not reason, str(reason), rng.choice(WORK_DESCRIPTIONS)))
    return rows


def _debit_rows(customers: list[_Customer]) -> list[tuple]:
    """(rounding, minutes, rounded, debit record) of every duration at every rounding of the customers: as the
    hour bank debits an entry without a start time on a working day (`entry_debit`, at the business rate)."""
    rows = []
    for rounding in sorted({customer.rounding_minutes for customer in customers}):
        rates = Rates(rounding_minutes=rounding)
        for minutes in WORK_MINUTES[0]:
            debit = entry_debit(rates, None, minutes=minutes, work_date=dt.date(2000, 1, 3))
            rows.append((rounding, minutes, debit.rounded, json.dumps(debit.as_data(rates))))
    return rows


def _quantile_rows() -> tuple[list[tuple], list[tuple]]:
    """Exponential quantiles (in thousandths of the mean) and minutes of the day (95 % around 11:00, the rest
    at any time), one per bucket."""
    expo = [(b, round(-math.log(1 - (b + 0.5) / seed_sql.BUCKETS) * 1000)) for b in range(seed_sql.BUCKETS)]
    normal, around = statistics.NormalDist(660, 150), int(seed_sql.BUCKETS * 0.95)
    minutes = [(b, int(min(max(normal.inv_cdf((b + 0.5) / around), 360), 1260))) for b in range(around)]
    rest = seed_sql.BUCKETS - around
    minutes += [(around + i, i * 1440 // rest) for i in range(rest)]
    return expo, minutes


def _offset(zone: zoneinfo.ZoneInfo, moment: dt.datetime) -> int:
    offset = moment.astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset else 0


def create_tickets(customers: list[_Customer], count: int, run: _Run, progress: _Progress | None):
    """Create `count` tickets over `customers` (a few big, many small) with their timelines, the time worked on
    them and their ratings, in one transaction, generated by the database (`picocore.demo.seed_sql`); returns
    (events written, tickets per final status, time entries, ratings). An organisation's numbers follow its
    tickets' creation times and continue its counter."""
    d, rng = seed_sql.dialect(), run.rng
    weights = [rng.lognormvariate(0, 0.8) for _ in customers]
    hashes = seed_sql.Hashes(rng.getrandbits(62))
    rank_seed = rng.getrandbits(62)
    counts = status_counts(count)
    nvar = variant_count(count, len(customers))
    found = paths()
    today, moment = int(run.today.timestamp()), int(run.moment.timestamp())
    with transaction.atomic():
        rebuild = count >= max(INDEX_REBUILD_FROM, bulk.estimated_rows(Ticket))
        with contextlib.ExitStack() as stack:
            if rebuild:
                for model in (Ticket, TicketEvent, TimeEntry, Rating):
                    stack.enter_context(bulk.secondary_indexes_deferred(model))
            if bulk.skip_row_triggers(Ticket, TicketEvent, TimeEntry, Rating):
                bulk.lock_referenced(_referenced(customers))
            plan = seed_sql.Plan(
                count=count, status_ends=tuple(itertools.accumulate(counts[s] for s in FINALS)), today=today,
                moment=moment, ticket_base=bulk.reserve_ids(Ticket, count).start,
                event_base=bulk.reserve_ids(TicketEvent, count * seed_sql.EVENT_SLOTS).start,
                codes={s.value: CODE[s] for s in FINALS}, status_values=tuple(s.value for s in FINALS),
                channel_values=tuple(CHANNEL_VALUES), phone=CHANNEL_VALUES.index(Channel.PHONE),
                created_kind=Created.kind.value, status_kind=StatusChanged.kind.value, rating_share=RATING_SHARE,
                time_share=TIME_SHARE,
            )  # fmt: skip
            if progress:
                progress.start("Planning", count)
            _fill_work_tables(d, customers, weights, nvar, found, run)
            seed_sql.execute(seed_sql.draw_sql(d, hashes, plan, rank_seed))
            if d.postgres:
                seed_sql.analyze_draws()
            _number(customers)
            if progress:
                progress.advance(count)
                progress.start("Tickets", count)
            columns = (*TICKET_FIELDS, *bulk.table(Ticket, TICKET_FIELDS).default_columns)
            defaults = bulk.table(Ticket, TICKET_FIELDS).defaults
            seed_sql.execute(seed_sql.tickets_sql(d, plan, columns, len(defaults)), defaults)
            if progress:
                progress.advance(count)
            events = _count("SELECT count(*) FROM seed_draw t JOIN seed_step s ON s.path = t.path")
            if progress:
                progress.start("Timeline", events)
            seed_sql.execute(seed_sql.events_sql(d, plan))
            if progress:
                progress.advance(events)
                progress.start("Time, ratings", 2)
            entries = seed_sql.execute(seed_sql.time_entries_sql(d, hashes, plan))
            _hour_terms(customers, run)
            if progress:
                progress.advance(1)
            ratings = seed_sql.execute(seed_sql.ratings_sql(d, hashes, plan))
            if progress:
                progress.advance(1)
            seed_sql.drop_tables(seed_sql.WORK_TABLES)
            if d.postgres:
                seed_sql.execute("SELECT set_config('enable_nestloop', 'on', true)")
            if rebuild and progress:
                progress.start("Indexes", 1)
        if rebuild and progress:
            progress.advance(1)
    return events, Counter({s.value: n for s, n in counts.items() if n}), entries, ratings


def _count(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _fill_work_tables(d: seed_sql.Dialect, customers: list[_Customer], weights: list[float], nvar: int,
                      found: list[Path], run: _Run) -> None:  # fmt: skip
    """The small tables the statements read: organisations, people, variants, paths and lookup tables."""
    seed_sql.create_work_tables(d)
    today = int(run.today.timestamp())
    organisations, contacts, consultants, texts = [], [], [], []
    for slot, customer in enumerate(customers):
        earliest = int(customer.earliest.timestamp())
        span = max(today - earliest, 864)
        period = customer.auto_close_days * 86400
        scale = customer.rating_scale
        open_from = customer.open_from.toordinal() - EPOCH_DAY if customer.open_from else 0
        organisations.append((
            slot, customer.id, "", 0, earliest, _offset(customer.zone, run.moment), span, min(86400, span // 2),
            max(period - 129600, 8640), period, AUTO_CLOSED.format(days=customer.auto_close_days), customer.team_id,
            len(customer.contacts), len(customer.consultants), nvar, customer.contract_id, scale,
            max(1, 2 * scale // 5), int(customer.hour_terms), customer.rounding_minutes, open_from,
        ))  # fmt: skip
        contacts += [(slot, index, user) for index, user in enumerate(customer.contacts)]
        consultants += [(slot, index, user) for index, user in enumerate(customer.consultants)]
        texts += variants(customer, slot, nvar, run)
    fill = seed_sql.fill
    fill("seed_org", ORG_COLUMNS, organisations)
    fill("seed_pick", ("b", "slot"), enumerate(seed_sql.buckets(weights)))
    fill("seed_contact", ("slot", "idx", "user_id"), contacts)
    fill("seed_consultant", ("slot", "idx", "user_id"), consultants)
    fill("seed_variant", VARIANT_COLUMNS, texts)
    expo, minutes = _quantile_rows()
    fill("seed_expo", ("b", "v"), expo)
    fill("seed_minute", ("b", "v"), minutes)
    matrix, created = [], []
    for impact_index, impact in enumerate(LEVELS):
        for urgency_index, urgency in enumerate(LEVELS):
            cell = impact_index * 3 + urgency_index
            decision = run.matrix[(impact, urgency)]
            matrix.append((cell, impact, urgency, decision.priority, decision.reason,
                           HOURS_TO_RESOLVE[decision.priority] * 3600))  # fmt: skip
            for channel_index, channel in enumerate(CHANNEL_VALUES):
                data = Created(channel=channel, priority=decision.priority, priority_reason=decision.reason)
                created.append((channel_index, cell, json.dumps(data.to_data())))
    fill("seed_matrix", ("cell", "impact", "urgency", "priority", "reason", "resolve"), matrix)
    fill("seed_cdata", ("ch", "cell", "data"), created)
    path_table, steps, picks = path_rows(found)
    fill("seed_path", ("path", "fin", "plen", "res_step", "closing", *(f"m{i}" for i in range(1, 9))), path_table)
    fill("seed_step", ("path", "step", "actor", "note", "work", "closing", "data", "data_auto"), steps)
    fill("seed_pathpick", ("fin", "b", "path"), picks)
    fill("seed_score", ("scale", "b", "score", "comment"), _score_rows())
    fill("seed_work", ("b", "minutes", "billable", "reason", "description"), _work_rows())
    fill("seed_debit", ("rounding", "minutes", "rounded", "debit"), _debit_rows(customers))
    if d.postgres:
        # Statistics for the planner, which otherwise takes the small tables for big ones and looks every row up
        # by its index; and the memory to sort and hash a million rows without spilling to disk.
        seed_sql.analyze_work_tables()


EPOCH_DAY = dt.date(1970, 1, 1).toordinal()
ORG_COLUMNS = (
    "slot", "org_id", "prefix", "first_number", "earliest", "off", "span", "lo", "rmax", "period", "auto_note",
    "team", "ncontacts", "nconsult", "nvar", "contract", "scale", "low", "hours", "rounding", "open_from",
)  # fmt: skip


def _number(customers: list[_Customer]) -> None:
    """Reserve each organisation's numbers for its drawn tickets (one statement per organisation, as
    `allocate_ticket_numbers`), in the loading transaction, so a failure leaves no gap in the keys."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT slot, count(*) FROM seed_draw GROUP BY slot ORDER BY slot")
        drawn = cursor.fetchall()
        firsts = []
        for slot, n in drawn:
            prefix, first = allocate_ticket_numbers(customers[slot].id, n)
            firsts.append((prefix, first, slot))
        cursor.executemany("UPDATE seed_org SET prefix = %s, first_number = %s WHERE slot = %s", firsts)


def _hour_terms(customers: list[_Customer], run: _Run) -> None:
    """Hour terms for the new customers whose tier includes hours: about nine tenths of the minutes their
    tickets debit in an average month of the history (so the bank runs short now and then), at least the
    tier's hours; carry-over of a third for two months, entries rounded up to a quarter of an hour."""
    wanted = {c.contract_id: c for c in customers if c.new and c.hour_terms and c.contract_id is not None}
    if not wanted:
        return
    months = max(1, HISTORY_MONTHS)
    used = dict(
        TimeEntry.objects.filter(contract_id__in=wanted).values("contract_id").annotate(n=Sum("debited_minutes"))
        .values_list("contract_id", "n")
    )  # fmt: skip
    tiers = dict(Contract.objects.filter(pk__in=wanted).values_list("pk", "tier__hours_per_month"))
    terms = []
    for contract_id in sorted(wanted):
        monthly = (used.get(contract_id) or 0) / months
        included = max(int(tiers[contract_id] * 60), round(monthly * 0.9 / 60) * 60)
        terms.append(HourTerms(
            contract_id=contract_id, included_minutes=included, carry_over_cap_minutes=included // 3,
            carry_over_months=2, rounding_minutes=ROUNDING, outside_hours_rate=Decimal("1.5"),
            weekend_rate=Decimal("2"), holiday_rate=Decimal("2"), created_at=run.moment, updated_at=run.moment,
        ))  # fmt: skip
    HourTerms.objects.bulk_create(terms)


HISTORY_MONTHS = 24
ROUNDING = 15  # the seeded hour terms round each entry up to a quarter of an hour


def _referenced(customers: list[_Customer]) -> dict[type[Model], list[int]]:
    """Every row a generated row may refer to (the tickets and events aside, which the load itself writes)."""
    rows: dict[type[Model], list[int]] = defaultdict(list)
    for customer in customers:
        rows[Organisation].append(customer.id)
        rows[User] += customer.contacts + customer.consultants
        rows[RequestType] += [request_type.model.pk for request_type in customer.request_types]
        rows[Solution] += [solution.id for solution in customer.solutions]
        rows[Environment] += [env_id for solution in customer.solutions for env_id, _ in solution.environments.values()]
        if customer.team_id is not None:
            rows[Team].append(customer.team_id)
        if customer.contract_id is not None:
            rows[Contract].append(customer.contract_id)
    return rows
