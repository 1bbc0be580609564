"""Generated data at scale for demos and benchmarks: `picocore seed --customers N --tickets M`.

Customers get a contract on an existing tier, a PIM/CMS landscape, contacts and an operations team; tickets
get texts from templates, priorities from the configured matrix, a lifecycle with its timeline, and keys that
continue each organisation's counter. Rows are written with bulk inserts, one transaction per batch, so the
number of queries grows with the number of batches and organisations, never with the number of tickets.
"""

import datetime as dt
import itertools
import random
import time
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.text import slugify

from picocore.catalog.choices import FieldKind, Impact, TicketType, Urgency
from picocore.catalog.models import FormField, RequestType
from picocore.catalog.priority import PriorityDecision, priority_for
from picocore.cmdb.choices import EnvironmentKind, SolutionKind
from picocore.cmdb.models import Environment, Solution
from picocore.contracts.models import Contract, Tier
from picocore.core.clock import now
from picocore.demo.catalogue import load_catalogue
from picocore.demo.data import DEMO_PASSWORD
from picocore.tenancy.choices import MembershipRole, StaffRole, TeamKind
from picocore.tenancy.models import Membership, Organisation, Team, User
from picocore.tickets.choices import Channel, EventKind, Status
from picocore.tickets.keys import allocate_ticket_numbers, ticket_key
from picocore.tickets.models import Ticket, TicketEvent

BATCH_SIZE = 2000
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

    @property
    def tickets_per_second(self) -> float:
        return self.tickets / self.seconds if self.seconds else 0.0


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


@dataclass
class _Run:
    rng: random.Random
    moment: dt.datetime
    password: str
    matrix: dict[tuple[str, str], PriorityDecision] = field(default_factory=dict)


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
    run = _Run(random.Random(seed), now(), make_password(DEMO_PASSWORD))
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
    events = 0
    if tickets:
        if progress:
            progress.start("Tickets", tickets)
        run.matrix = {(i.value, u.value): priority_for(i, u) for i in Impact for u in Urgency}  # read once
        events = _create_tickets(targets, tickets, run, batch_size, progress)
    _analyze(Organisation, User, Membership, Solution, Environment, Contract, Ticket, TicketEvent)
    return SeedSummary(len(new_ids), contacts, tickets, events, time.perf_counter() - started)


def _analyze(*models) -> None:
    """Refresh the query planner's statistics for these tables, as after any bulk load: without them
    PostgreSQL plans the portal's queries as if the tables were still empty (measured on 100,000 tickets:
    the home page's list query took 27 ms instead of 0.8 ms)."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


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
    rng = run.rng
    today = dt.datetime.combine(run.moment.date(), dt.time(), dt.UTC)
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
    path = _path(final, run.rng)
    befores = [Status.NEW, *path][: len(path)]
    gaps = []
    for before, after in zip(befores, path, strict=True):
        resolving = (before, after) == (Status.IN_PROGRESS, Status.RESOLVED)
        mean = HOURS_TO_RESOLVE[priority] if resolving else HOURS_IN[before]
        gaps.append(min(run.rng.expovariate(1 / mean), 120.0) + 0.05)
    automatic = False
    if final == Status.CLOSED:
        period = customer.auto_close_days * 24.0
        automatic = run.rng.random() < 0.4
        gaps[-1] = period if automatic else min(gaps[-1], period * 0.9)
    room = (run.moment - created).total_seconds() / 3600 * 0.95
    scale = min(1.0, room / sum(gaps)) if gaps else 1.0  # squeeze a recent ticket's history into its age
    automatic = automatic and scale == 1.0  # a squeezed one was confirmed by the customer before the period
    changes, when = [], created
    for before, after, gap in zip(befores, path, gaps, strict=True):
        when += dt.timedelta(hours=gap * scale)
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


def _build(customer: _Customer, prefix: str, number: int, created: dt.datetime, final: Status, run: _Run):
    """One unsaved ticket and its timeline rows (kind, actor id, body, data, when), consistent with each other
    as the services would leave them: resolved_at, closed_at and updated_at are the times of their events."""
    rng = run.rng
    request_type = rng.choices(customer.request_types, [rt.weight for rt in customer.request_types])[0]
    model = request_type.model
    incident = model.ticket_type == TicketType.INCIDENT
    solution = environment_id = None
    words: dict[str, object] = {key: rng.choice(values) for key, values in WORDS.items()}
    words.update(solution="the website", vendor="the vendor", env="production", n=rng.choice((3, 12, 40, 150, 800)))
    words.update(solution_answer="", environment_answer="")
    if customer.solutions and (incident or FieldKind.SOLUTION in request_type.kinds):
        preferred = [s for s in customer.solutions if s.kind in PREFERRED_KINDS.get(model.slug, ())]
        solution = rng.choice(preferred or customer.solutions)
        words.update(solution=solution.name, vendor=solution.vendor, solution_answer=solution.name)
        if incident or FieldKind.ENVIRONMENT in request_type.kinds:
            environment_id, label = solution.environments.get(rng.choices(*ENVIRONMENT_WEIGHTS)[0], (None, ""))
            words.update(env=label or words["env"], environment_answer=label)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    words.update(person=f"{first} {last}", email=f"{first}.{last}@example.com".lower())
    if model.asks_impact_and_urgency:
        impact, urgency = rng.choices(*LEVEL_WEIGHTS, k=2)
    else:
        impact, urgency = model.default_impact, model.default_urgency
    decision = run.matrix[(impact, urgency)]
    title = rng.choice(TITLES.get(model.slug) or TITLES.get(model.ticket_type) or TITLES["incident"]).format(**words)
    opening = rng.choice(OPENINGS.get(model.ticket_type, OPENINGS[TicketType.SERVICE_REQUEST]))
    description = f"{opening} {rng.choice(DETAILS)} {rng.choice(CLOSINGS)}".format(**words)
    answers = [
        {"key": spec.key, "label": spec.label, "kind": spec.kind, "value": _answer(spec, choices, words, created, rng)}
        for spec, choices in request_type.questions
    ]
    requester = rng.choice(customer.contacts)
    assignee = rng.choice(customer.consultants) if final != Status.NEW and customer.consultants else None
    channel = rng.choices(*CHANNELS)[0]
    filed_by = (assignee or requester) if channel == Channel.PHONE else requester  # the team takes phone calls
    created_data = {"priority": decision.priority, "priority_reason": decision.reason, "channel": channel}
    timeline: list[tuple[EventKind, int | None, str, dict[str, object], dt.datetime]] = [
        (EventKind.CREATED, filed_by, description, created_data, created)
    ]
    resolved_at = closed_at = None
    changes, automatic = _lifecycle(final, created, decision.priority, customer, run)
    for before, after, when in changes:
        actor, note = assignee, rng.choice(NOTES[after]) if after in NOTES else ""
        change: dict[str, object] = {"field": "status", "before": before.value, "after": after.value}
        if before == Status.RESOLVED:  # the customer reopens or confirms, or the worker closes it
            actor, note = requester, rng.choice(NOTES["reopened"]) if after == Status.IN_PROGRESS else ""
            if automatic:
                actor, note = None, AUTO_CLOSED.format(days=customer.auto_close_days)
                change["automatic"] = True
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
        timeline.append((EventKind.STATUS_CHANGED, actor, note.format(**words), change, when))
    next_step, next_step_due = "", None
    if final in NEXT_STEPS:
        next_step = rng.choice(NEXT_STEPS[final]).format(**words)
        if rng.random() < 0.5:
            next_step_due = run.moment.date() + dt.timedelta(days=rng.randint(0, 10))
    ticket = Ticket(
        organisation_id=customer.id, number=number, key=ticket_key(prefix, number), ticket_type=model.ticket_type,
        request_type=model, title=(title[:1].upper() + title[1:])[:200], description=description, answers=answers,
        requester_id=requester, solution_id=solution.id if solution else None, environment_id=environment_id,
        impact=impact, urgency=urgency, priority=decision.priority, priority_reason=decision.reason, status=final,
        team_id=customer.team_id, assignee_id=assignee, next_step=next_step, next_step_due=next_step_due,
        channel=channel, created_at=created, updated_at=timeline[-1][4], resolved_at=resolved_at, closed_at=closed_at,
    )  # fmt: skip
    return ticket, timeline


def _create_tickets(customers: list[_Customer], count: int, run: _Run, batch_size: int, progress) -> int:
    """Create `count` tickets over `customers` (a few big, many small) in batches of `batch_size`, one
    transaction each; returns the number of events. An organisation's numbers follow its tickets' creation
    times and continue its counter."""
    weights = [run.rng.lognormvariate(0, 0.8) for _ in customers]
    owners = run.rng.choices(range(len(customers)), weights, k=count)
    plan: dict[int, list[tuple[dt.datetime, Status]]] = defaultdict(list)
    for index, status in zip(owners, _status_plan(count, run.rng), strict=True):
        plan[index].append((_created_at(customers[index], status, run), status))
    ordered = ((customers[index], *row) for index in sorted(plan) for row in sorted(plan[index]))
    events = 0
    for batch in itertools.batched(ordered, batch_size):
        events += _write_batch(batch, run)
        if progress:
            progress.advance(len(batch))
    return events


@transaction.atomic
def _write_batch(batch: tuple, run: _Run) -> int:
    """Insert one batch of tickets and their events. The numbers are reserved per organisation in the same
    transaction, so a failed batch leaves neither rows nor a gap in the keys. Returns the number of events."""
    tickets, timelines = [], []
    for _, group in itertools.groupby(batch, key=lambda row: row[0].id):
        rows = list(group)
        prefix, first = allocate_ticket_numbers(rows[0][0].id, len(rows))
        for number, (customer, created, status) in enumerate(rows, start=first):
            ticket, timeline = _build(customer, prefix, number, created, status, run)
            tickets.append(ticket)
            timelines.append(timeline)
    Ticket.objects.bulk_create(tickets)
    events = [
        TicketEvent(ticket_id=ticket.pk, organisation_id=ticket.organisation_id, kind=kind, public=True,
                    actor_id=actor, body=body, data=data, created_at=when)
        for ticket, timeline in zip(tickets, timelines, strict=True)
        for kind, actor, body, data, when in timeline
    ]  # fmt: skip
    TicketEvent.objects.bulk_create(events, batch_size=5000)
    return len(events)
