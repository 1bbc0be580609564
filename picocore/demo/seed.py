"""Generated data at scale for demos and benchmarks: `picocore seed --customers N --tickets M`.

Customers get a contract on an existing tier, a PIM/CMS landscape, contacts and an operations team; tickets
get texts from templates, priorities from the configured matrix, a lifecycle with its timeline, and keys that
continue each organisation's counter (`picocore.demo.seed_tickets`). The small tables (organisations, people,
contracts, teams) are written through the ORM; tickets and their timelines as plain rows, by COPY on PostgreSQL
and executemany on SQLite, one transaction per batch, so the number of queries grows with the number of batches
and organisations, never with the number of tickets. Every table written is analysed at the end.
"""

import datetime as dt
import itertools
import random
import time
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.text import slugify

from picocore.catalog.choices import Impact, Urgency
from picocore.catalog.models import FormField, RequestType
from picocore.catalog.priority import priority_for
from picocore.cmdb.choices import EnvironmentKind, SolutionKind
from picocore.cmdb.models import Environment, Solution
from picocore.contracts.models import Contract, SlaTarget, Tier
from picocore.core.clock import now
from picocore.demo import bulk
from picocore.demo.catalogue import load_catalogue
from picocore.demo.data import DEMO_PASSWORD
from picocore.demo.seed_tickets import (
    FIRST_NAMES,
    LAST_NAMES,
    TYPE_WEIGHTS,
    Draws,
    _Customer,
    _RequestType,
    _Run,
    _Solution,
    create_tickets,
)
from picocore.tenancy.choices import MembershipRole, StaffRole, TeamKind
from picocore.tenancy.models import Membership, Organisation, Team, User
from picocore.tickets.models import QueueTally, RequesterTally, Ticket, TicketEvent

BATCH_SIZE = 10_000
HISTORY_DAYS = 730
SEEDED_TEAM = "Operations (seeded)"
SEEDED_CONSULTANTS = 6
IN_CHUNK = 900  # ids per `__in` lookup: far below every backend's limit on query parameters

# time zone, legal form, calling code
COUNTRIES = [
    ("Europe/Copenhagen", "A/S", "+45"), ("Europe/Stockholm", "AB", "+46"), ("Europe/Oslo", "AS", "+47"),
    ("Europe/Helsinki", "Oy", "+358"), ("Europe/Berlin", "GmbH", "+49"), ("Europe/Vienna", "GmbH", "+43"),
    ("Europe/Zurich", "AG", "+41"), ("Europe/Amsterdam", "B.V.", "+31"), ("Europe/Brussels", "NV", "+32"),
    ("Europe/Paris", "SAS", "+33"), ("Europe/London", "Ltd", "+44"), ("Europe/Dublin", "Ltd", "+353"),
    ("Europe/Madrid", "S.L.", "+34"), ("Europe/Lisbon", "Lda", "+351"), ("Europe/Rome", "S.r.l.", "+39"),
    ("Europe/Warsaw", "sp. z o.o.", "+48"), ("Europe/Prague", "s.r.o.", "+420"), ("Europe/Tallinn", "OÜ", "+372"),
]  # fmt: skip
NAME_FIRST = [
    "Nordvik", "Baltic", "Alpen", "Fjord", "Hansa", "Linden", "Brightwater", "Copperfield", "Greenhill", "Silverline",
    "Northwind", "Eastgate", "Harbour", "Meridian", "Polar", "Granite", "Aurora", "Cedar", "Juniper", "Kestrel",
    "Lumen", "Marble", "Nova", "Orchid", "Pioneer", "Quarry", "Riverside", "Saga", "Tundra", "Westbrook", "Yarrow",
    "Zephyr", "Amber", "Birch", "Coastal", "Delta", "Ember", "Falcon", "Glacier", "Heather", "Iris", "Jade", "Kite",
    "Lotus", "Maple", "Nimbus", "Oakridge", "Pinewood",
]  # fmt: skip
NAME_SECOND = [
    "Foods", "Fashion", "Hardware", "Furniture", "Outdoor", "Pharma", "Electronics", "Tools", "Interiors", "Sports",
    "Cosmetics", "Garden", "Textiles", "Beverages", "Bikes", "Toys", "Lighting", "Kitchen", "Pet Supplies", "Office",
    "Automotive", "Building Supplies", "Wines", "Coffee", "Optics", "Jewellery", "Medical", "Marine", "Paints", "Books",
]  # fmt: skip
# kind → (products, name suffix, host name)
LANDSCAPE: dict[str, tuple[list[str], str, str]] = {
    SolutionKind.PIM: (["Akeneo 7", "Akeneo Serenity", "inRiver PIM", "Struct PIM", "Pimcore 11", "Salsify"],
                       "PIM", "pim"),
    SolutionKind.CMS: (["Umbraco 13", "Umbraco 15", "Sitecore XM Cloud", "Sitecore XP 10.4", "Contentful",
                        "Optimizely CMS 12", "Magnolia 6.3", "Storyblok"], "Web", "www"),
    SolutionKind.DAM: (["Bynder", "Cloudinary", "Canto"], "DAM", "dam"),
    SolutionKind.SEARCH: (["Algolia", "Elasticsearch 8", "Apache Solr 9"], "Search", "search"),
    SolutionKind.MIDDLEWARE: (["Azure Integration Services", "MuleSoft Anypoint", "Boomi"], "Integrations",
                              "integration"),
}  # fmt: skip


class SeedError(Exception):
    """What was asked cannot be generated (no tier offers a request type, no customer can take tickets)."""


class SeedProgress(Protocol):
    """Told when a stage starts (with its total) and as it advances; the command draws it with rich."""

    def start(self, description: str, total: int) -> None: ...
    def advance(self, amount: int) -> None: ...


@dataclass(frozen=True)
class SeedSummary:
    """What one run wrote and how long it took."""

    customers: int
    contacts: int
    tickets: int
    events: int
    seconds: float
    statuses: Mapping[str, int]  # tickets per final status

    @property
    def tickets_per_second(self) -> float:
        return self.tickets / self.seconds if self.seconds else 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def seed(
    *,
    customers: int,
    tickets: int,
    seed: int | None = None,
    batch_size: int = BATCH_SIZE,
    progress: SeedProgress | None = None,
) -> SeedSummary:
    """Create `customers` new customer organisations and spread `tickets` tickets over them (over every
    existing organisation with a contract in force and a contact when `customers` is 0).

    Loads the demo catalogue first when there are no tiers. The same `seed` on the same database state gives
    the same rows on the same day (tickets are filed before today and times count back from it). Never
    reuses a name, slug, key prefix, e-mail or ticket key; every organisation's keys stay contiguous.
    """
    started = time.perf_counter()
    # One hash for every seeded user: hashing per user would dominate the run.
    run = _Run(Draws(seed), now(), make_password(DEMO_PASSWORD))
    new_ids: list[int] = []
    contacts, targets = 0, []
    if customers:
        if progress:
            progress.start("Customers", customers)
        new_ids, contacts = _create_customers(customers, run)
        if progress:
            progress.advance(customers)
        targets = _load_customers(new_ids, run.moment)
    elif tickets:
        targets = _load_customers(list(Organisation.objects.order_by("id").values_list("id", flat=True)), run.moment)
        if not targets:
            raise SeedError("No organisation can take tickets: each needs a contract in force and a contact.")
    _serve_with_team([customer for customer in targets if customer.team_id is None], run)
    events, statuses = 0, {}
    if tickets:
        if progress:
            progress.start("Tickets", tickets)
        run.matrix = {(i.value, u.value): priority_for(i, u) for i in Impact for u in Urgency}  # read once
        events, statuses = create_tickets(targets, tickets, run, batch_size, progress)
    bulk.analyze(FILLED)
    return SeedSummary(len(new_ids), contacts, tickets, events, time.perf_counter() - started, statuses)


# Every table a run may write (the catalogue's when it loads the demo catalogue), small ones included.
FILLED = (
    RequestType, FormField, Tier, Tier.request_types.through, SlaTarget, Organisation, User,
    Membership, Solution, Environment, Contract, Team, Team.members.through, Team.organisations.through, Ticket,
    TicketEvent, QueueTally, RequesterTally,  # the tallies: written by the tickets' triggers
)  # fmt: skip


def _each(queryset: QuerySet, lookup: str, ids: list) -> Iterator:
    """The rows of `queryset` whose `lookup` is one of `ids`, at most IN_CHUNK ids per query."""
    for start in range(0, len(ids), IN_CHUNK):
        yield from queryset.filter(**{f"{lookup}__in": ids[start : start + IN_CHUNK]})


def _offering_tiers() -> list[Tier]:
    """The tiers that offer an active request type; loads the demo catalogue when there is no tier at all."""
    if not Tier.objects.exists():
        load_catalogue()
    tiers = list(Tier.objects.filter(request_types__active=True).distinct().order_by("rank", "id"))
    if not tiers:
        raise SeedError("No tier offers an active request type; set up the catalogue first.")
    return tiers


def _organisation_name(rng: random.Random, legal_form: str, names: set[str], slugs: set[str]) -> tuple[str, str]:
    """(first word, name) of a new organisation whose name and slug are not taken yet."""
    for attempt in itertools.count():
        first, second = rng.choice(NAME_FIRST), rng.choice(NAME_SECOND)
        name = f"{first} {second} {legal_form}" if attempt < 50 else f"{first} {second} {attempt} {legal_form}"
        if name not in names and slugify(name) not in slugs:
            return first, name
    raise AssertionError("unreachable")


def _key_prefix(name: str, taken: set[str]) -> str:
    """A free key prefix from the name: 2–10 capitals or digits, a letter first (NORF, NOFO, …, NORD2)."""
    words = ["".join(ch for ch in word.upper() if "A" <= ch <= "Z") for word in name.split()]
    first, second = words[0], (words[1] if len(words) > 1 else "") or "X"
    stems = [first[:4], first[:3] + second[:1], first[:2] + second[:2], first[:3] + second[:2], first[:5]]
    numbered = (f"{first[:4]}{number}"[:10] for number in itertools.count(2))
    return next(stem for stem in itertools.chain(stems, numbered) if len(stem) >= 2 and stem not in taken)


@transaction.atomic
def _create_customers(count: int, run: _Run) -> tuple[list[int], int]:
    """Create `count` organisations, each with a contract in force on a tier that offers something, 1–3
    solutions with production, staging and test environments, and 3–12 contacts (the first a customer admin).
    Returns their ids and the number of contacts."""
    rng, moment = run.rng, run.moment
    tiers = _offering_tiers()
    names, slugs, prefixes = set(), set(), set()
    for name, slug, prefix in Organisation.objects.values_list("name", "slug", "key_prefix"):
        names.add(name)
        slugs.add(slug)
        prefixes.add(prefix)
    organisations, details = [], []
    for _ in range(count):
        time_zone, legal_form, calling_code = rng.choice(COUNTRIES)
        first, name = _organisation_name(rng, legal_form, names, slugs)
        prefix = _key_prefix(name, prefixes)
        names.add(name)
        slugs.add(slugify(name))
        prefixes.add(prefix)
        starts_on = moment.date() - dt.timedelta(days=rng.randint(HISTORY_DAYS + 30, HISTORY_DAYS + 1500))
        organisations.append(
            Organisation(name=name, slug=slugify(name), key_prefix=prefix, time_zone=time_zone, created_at=moment)
        )
        details.append((first, calling_code, starts_on))
    Organisation.objects.bulk_create(organisations)

    contracts, solutions, people = [], [], []
    for organisation, (first, calling_code, starts_on) in zip(organisations, details, strict=True):
        tier = rng.choice(tiers)
        hotline = f"{calling_code} {rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
        contracts.append(
            Contract(
                organisation=organisation,
                tier=tier,
                starts_on=starts_on,
                hotline_number=hotline if tier.rank > 1 else "",  # the entry tier comes without a hotline
            )
        )
        main = rng.choice((SolutionKind.PIM, SolutionKind.CMS))
        extra = rng.choice((SolutionKind.DAM, SolutionKind.SEARCH, SolutionKind.MIDDLEWARE))
        kinds = [main, SolutionKind.CMS if main == SolutionKind.PIM else SolutionKind.PIM, extra]
        for kind in kinds[: rng.choices((1, 2, 3), (30, 50, 20))[0]]:
            products, suffix, _ = LANDSCAPE[kind]
            solutions.append(
                Solution(organisation=organisation, name=f"{first} {suffix}", product=rng.choice(products), kind=kind)
            )
        size, persons = rng.randint(3, 12), set[tuple[str, str]]()
        while len(persons) < size:
            persons.add((rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)))
        for index, person in enumerate(sorted(persons)):  # sorted: set order varies between processes
            admin = index == 0 or rng.random() < 0.2
            role = MembershipRole.CUSTOMER_ADMIN if admin else MembershipRole.REQUESTER
            people.append((organisation, person, role, starts_on))
    Contract.objects.bulk_create(contracts)
    Solution.objects.bulk_create(solutions)
    environments = []
    for solution in solutions:
        host = f"{LANDSCAPE[solution.kind][2]}.{solution.organisation.slug}.example"
        for env_kind, sub in ((EnvironmentKind.PRODUCTION, ""), (EnvironmentKind.STAGING, "staging."),
                              (EnvironmentKind.TEST, "test.")):  # fmt: skip
            # bulk_create skips Environment.save(), which would copy the solution's organisation: done here.
            environments.append(
                Environment(
                    organisation_id=solution.organisation_id,
                    solution=solution,
                    kind=env_kind,
                    url=f"https://{sub}{host}/",
                )
            )
    Environment.objects.bulk_create(environments)
    users = _create_users(
        [
            (f"{first} {last}", f"{first}.{last}@{org.slug}.example", org, joined)
            for org, (first, last), _, joined in people
        ],
        run,
    )
    Membership.objects.bulk_create(
        Membership(user=user, organisation=organisation, role=role)
        for user, (organisation, _, role, _) in zip(users, people, strict=True)
    )
    return [organisation.pk for organisation in organisations], len(people)


def _create_users(people: list[tuple[str, str, Organisation | None, dt.date]], run: _Run, **fields) -> list[User]:
    """Insert one user per (full name, e-mail, default organisation, joined) with the run's password hash;
    an address already taken (by a user or earlier in `people`) gets a number, so e-mails never collide."""
    wanted = [email.lower() for _, email, _, _ in people]
    taken = set(_each(User.objects.values_list("email", flat=True), "email", wanted))
    users = []
    for email, (full_name, _, organisation, joined) in zip(wanted, people, strict=True):
        local, domain = email.split("@")
        while email in taken:
            email = f"{local}.{run.rng.randint(2, 9999)}@{domain}"
        taken.add(email)
        users.append(
            User(
                email=email,
                full_name=full_name,
                password=run.password,
                default_organisation=organisation,
                date_joined=dt.datetime.combine(joined, dt.time(9), tzinfo=dt.UTC),
                **fields,
            )
        )
    return User.objects.bulk_create(users)


def _serve_with_team(customers: list[_Customer], run: _Run) -> None:
    """Make the operations team SEEDED_TEAM serve these customers (none of which has an operations team),
    creating the team, and consultants for it when it has no members."""
    if not customers:
        return
    with transaction.atomic():
        team, _ = Team.objects.get_or_create(name=SEEDED_TEAM, defaults={"kind": TeamKind.OPERATIONS})
        consultants = list(team.members.order_by("id").values_list("id", flat=True))
        if not consultants:
            names = [(run.rng.choice(FIRST_NAMES), run.rng.choice(LAST_NAMES)) for _ in range(SEEDED_CONSULTANTS)]
            staff = _create_users(
                [(f"{first} {last}", f"{first}.{last}@ops.picocore.example", None, run.moment.date())
                 for first, last in names],
                run,
                staff_role=StaffRole.CONSULTANT,
            )  # fmt: skip
            team.members.add(*staff)
            consultants = [user.pk for user in staff]
        team.organisations.add(*(customer.id for customer in customers))
    for customer in customers:
        customer.team_id, customer.consultants = team.pk, consultants


def _load_customers(ids: list[int], moment: dt.datetime) -> list[_Customer]:
    """Those of the organisations `ids` that can take tickets (a contract in force whose tier offers an
    active request type, and a contact), with all generating needs: a fixed number of queries per IN_CHUNK."""
    today = moment.date()
    today_start = dt.datetime.combine(today, dt.time(), dt.UTC)
    contracts = (
        Contract.objects.filter(starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .order_by("organisation_id", "starts_on", "id")  # the last one per organisation wins, as contract_in_force
        .values_list("organisation_id", "tier_id", "starts_on", "tier__auto_close_after_days")
    )
    in_force = {row[0]: row[1:] for row in _each(contracts, "organisation_id", ids)}
    offered: dict[int, list[int]] = defaultdict(list)
    offers = Tier.request_types.through.objects.values_list("tier_id", "requesttype_id")
    for tier_id, type_id in _each(offers, "tier_id", sorted({tier for tier, _, _ in in_force.values()})):
        offered[tier_id].append(type_id)
    request_types = {}
    questions = Prefetch("fields", queryset=FormField.objects.order_by("position", "id"))
    active = RequestType.objects.filter(active=True).prefetch_related(questions).order_by("position", "name")
    for rt in _each(active, "pk", sorted({type_id for types in offered.values() for type_id in types})):
        specs = list(rt.fields.all())
        request_types[rt.pk] = _RequestType(
            rt, [(spec, spec.choice_list) for spec in specs], frozenset(spec.kind for spec in specs),
            TYPE_WEIGHTS.get(rt.ticket_type, 10),
        )  # fmt: skip
    contacts: dict[int, list[int]] = defaultdict(list)
    for org_id, user_id in _each(Membership.objects.order_by("id").values_list("organisation_id", "user_id"),
                                 "organisation_id", ids):  # fmt: skip
        contacts[org_id].append(user_id)
    solutions: dict[int, list[_Solution]] = defaultdict(list)
    by_id = {}
    for pk, org_id, name, kind, product in _each(
        Solution.objects.order_by("name", "id").values_list("id", "organisation_id", "name", "kind", "product"),
        "organisation_id",
        ids,
    ):
        by_id[pk] = _Solution(pk, name, kind, product.split()[0])
        solutions[org_id].append(by_id[pk])
    environments = Environment.objects.values_list("id", "solution_id", "kind")
    for env_id, solution_id, kind in _each(environments, "organisation_id", ids):
        solution = by_id[solution_id]
        solution.environments[kind] = (env_id, f"{solution.name} · {EnvironmentKind(kind).label}")
    teams = _owning_teams(ids)
    zones = dict(_each(Organisation.objects.values_list("id", "time_zone"), "id", ids))
    customers = []
    for org_id in ids:
        tier_id, starts_on, auto_close_days = in_force.get(org_id, (None, None, None))
        types = [request_types[pk] for pk in offered.get(tier_id, ()) if pk in request_types]
        if not types or not contacts[org_id]:
            continue
        types.sort(key=lambda rt: (rt.model.position, rt.model.name))
        zone = zoneinfo.ZoneInfo(zones[org_id])
        # From the start of a day, not from now: the same seed gives the same times all day long.
        earliest = max(today_start - dt.timedelta(days=HISTORY_DAYS), dt.datetime.combine(starts_on, dt.time(), zone))
        team_id, consultants = teams.get(org_id, (None, []))
        customer = _Customer(org_id, zone, earliest, types, contacts[org_id], solutions[org_id], auto_close_days,
                             team_id, consultants)  # fmt: skip
        customers.append(customer)
    return customers


def _owning_teams(ids: list[int]) -> dict[int, tuple[int, list[int]]]:
    """Each organisation's owning operations team (the first by name, as `owning_team_for`) and its members."""
    served = (
        Team.organisations.through.objects.filter(team__kind=TeamKind.OPERATIONS)
        .order_by("-team__name")
        .values_list("organisation_id", "team_id")
    )  # the last one wins
    owner = dict(_each(served, "organisation_id", ids))
    members: dict[int, list[int]] = defaultdict(list)
    team_members = Team.members.through.objects.filter(user__is_active=True).order_by("user_id")
    for team_id, user_id in _each(
        team_members.values_list("team_id", "user_id"), "team_id", sorted(set(owner.values()))
    ):
        members[team_id].append(user_id)
    return {org_id: (team_id, members[team_id]) for org_id, team_id in owner.items()}
