"""Inbound e-mail throughput: messages per second through parsing, receiving (store raw, deduplicate, enqueue)
and processing (thread, file the reply or the new ticket with its timeline event and attachments).

    .venv/bin/python bench/mail_inbound.py                              # SQLite, about a minute
    .venv/bin/python bench/mail_inbound.py --db postgres --messages 2000

Builds its own installation, so it neither needs nor touches the database bench/seed.py fills: a temporary
SQLite file, or the PostgreSQL database named by PICOCORE_BENCH_MAIL_POSTGRES (default
postgres://postgres@127.0.0.1:5432/picocore_bench_mail, dropped and created afresh). Production settings
(DEBUG off, the database task queue). The messages are the test corpus (tests/mail/corpus), each given a
unique Message-ID and pointed at the installation's tickets, in this mix: replies by reply address (Outlook)
40 %, replies by References (Gmail) 20 %, new requests 15 % (two thirds Gmail, one third Apple Mail with a
screenshot and a PDF), customers of another organisation quoting a ticket key (Thunderbird) 10 %,
out-of-office replies 10 %, bounces 5 %. Results go to bench/results/mail-<db>.json.
"""

import argparse
import inspect
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

from support import ROOT, machine, psql, save

CORPUS = ROOT / "tests" / "mail" / "corpus"
POSTGRES_URL = os.environ.get("PICOCORE_BENCH_MAIL_POSTGRES", "postgres://postgres@127.0.0.1:5432/picocore_bench_mail")
MIX = (
    ("reply by token", 40),
    ("reply by References", 20),
    ("new request", 15),
    ("stranger quoting a key", 10),
    ("out of office", 10),
    ("bounce", 5),
)
MESSAGE_ID_RE = re.compile(rb"(?im)^Message-I[dD]:.*$")


def set_up_django(database: str) -> None:
    var_dir = tempfile.mkdtemp(prefix=f"picocore-bench-mail-{database}-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="picocore.config.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        PICOCORE_VAR_DIR=var_dir,
        PICOCORE_HTTPS="0",
        PICOCORE_LOG_LEVEL="WARNING",
    )
    os.environ.pop("PICOCORE_DEMO", None)
    os.environ.pop("DATABASE_URL", None)
    if database == "postgres":
        name = POSTGRES_URL.rsplit("/", 1)[-1]
        psql(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = POSTGRES_URL
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def build_world(customers: int, tickets_per_customer: int) -> list[dict]:
    """Customers with a contract, two contacts each and open tickets, each with a notification in the outbox."""
    import datetime as dt

    from picocore.catalog.choices import TicketType
    from picocore.catalog.models import RequestType
    from picocore.contracts.models import Contract, Tier
    from picocore.mail.models import MailPolicy
    from picocore.outbox.models import OutboxEmail
    from picocore.tenancy.choices import MembershipRole, TeamKind
    from picocore.tenancy.models import Membership, Organisation, Team, User
    from picocore.tickets.services import ticket_create

    incident = RequestType.objects.create(name="Incident", slug="incident", ticket_type=TicketType.INCIDENT,
                                          summary="Something is broken.")  # fmt: skip
    tier = Tier.objects.create(name="Standard", slug="standard")
    tier.request_types.add(incident)
    team = Team.objects.create(name="Operations", kind=TeamKind.OPERATIONS)
    # A benchmark contact writes far more per hour than any person: lift the runaway-sender limit.
    MailPolicy.objects.filter(pk=MailPolicy.SINGLETON_PK).update(max_messages_per_sender_per_hour=30_000)
    world = []
    for number in range(customers):
        org = Organisation.objects.create(name=f"Customer {number}", slug=f"c{number}", key_prefix=f"C{number}X")
        Contract.objects.create(organisation=org, tier=tier, starts_on=dt.date(2020, 1, 1))
        team.organisations.add(org)
        contacts = []
        for person in range(2):
            user = User.objects.create_user(f"contact{person}@c{number}.example", None, full_name=f"Contact {person}")
            Membership.objects.create(user=user, organisation=org, role=MembershipRole.REQUESTER)
            contacts.append(user)
        tickets = []
        for index in range(tickets_per_customer):
            requester = contacts[index % 2]
            ticket = ticket_create(actor=requester, organisation=org, request_type=incident, title=f"Issue {index}",
                                   description="Found by the benchmark.", impact="low", urgency="low")  # fmt: skip
            OutboxEmail.objects.create(
                message_id=f"<bench-{ticket.pk}@picocore.example>", ticket=ticket, organisation=org,
                recipient=requester, to_address=requester.email, subject=f"[{ticket.key}] {ticket.title}",
                body_text="We are on it.", kind="public_reply",
            )  # fmt: skip
            tickets.append(ticket)
        world.append({"organisation": org, "contacts": contacts, "tickets": tickets})
    return world


def messages(world: list[dict], count: int, rng: random.Random) -> list[tuple[str, bytes]]:
    """`count` (kind, raw message) pairs in the mix above, each with its own Message-ID."""
    from picocore.mail.addresses import reply_address_for

    corpus = {path.name: path.read_bytes() for path in CORPUS.glob("*.eml")}
    quoted = b"<notification-1.acme-1@picocore.example>"
    kinds = [kind for kind, weight in MIX for _ in range(weight)]
    out = []
    for number in range(count):
        kind = rng.choice(kinds)
        customer = rng.choice(world)
        ticket = rng.choice(customer["tickets"])
        sender = ticket.requester.email.encode()
        notification = f"<bench-{ticket.pk}@picocore.example>".encode()
        if kind == "reply by token":
            raw = corpus["outlook_reply_token.eml"].replace(b"@@REPLY_ADDRESS@@", reply_address_for(ticket).encode())
        elif kind == "reply by References":
            raw = corpus["gmail_reply_references.eml"].replace(quoted, notification)
        elif kind == "new request":
            raw = corpus["apple_mail_attachments.eml" if number % 3 == 0 else "gmail_new_request.eml"]
        elif kind == "stranger quoting a key":
            other = rng.choice([c for c in world if c is not customer] or world)
            sender = other["contacts"][0].email.encode()
            raw = corpus["thunderbird_stranger_key.eml"].replace(b"ACME-1", ticket.key.encode())
            raw = raw.replace(quoted, notification)
        elif kind == "out of office":
            raw = corpus["outlook_out_of_office.eml"].replace(quoted, notification)
        else:
            raw = corpus["bounce_postfix.eml"].replace(quoted, notification)
        raw = raw.replace(b"anna@acme.example", sender).replace(b"nils@nord.example", sender)
        raw = MESSAGE_ID_RE.sub(f"Message-ID: <bench-in-{number}-{secrets.token_hex(4)}@bench.example>".encode(), raw)
        out.append((kind, raw))
    return out


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=10)
    parser.add_argument("--tickets", type=int, default=20, help="open tickets per customer")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    started = time.perf_counter()
    set_up_django(args.db)
    world = build_world(args.customers, args.tickets)
    batch = messages(world, args.messages, rng)
    setup_seconds = time.perf_counter() - started

    from django.db.models import Count

    from picocore.mail.content import split_reply
    from picocore.mail.models import InboundMessage
    from picocore.mail.parsing import parse_message
    from picocore.mail.services import mail_process, mail_receive

    # 1. Parsing and trimming alone (no database), three rounds: the median.
    parse_runs = []
    for _round in range(3):
        began = time.perf_counter()
        for _kind, raw in batch:
            parsed = parse_message(raw)
            split_reply(parsed.reply_text or parsed.text, subject=parsed.subject)
        parse_runs.append(time.perf_counter() - began)
    parse_seconds = statistics.median(parse_runs)

    # 2. Receiving: each message stored in its own transaction, its processing task enqueued on commit.
    began = time.perf_counter()
    ids = [mail_receive(raw=raw, source="lmtp", recipients=["support@picocore.example"]).message.pk
           for _kind, raw in batch]  # fmt: skip
    receive_seconds = time.perf_counter() - began

    # 3. Processing, as the worker does it: one message after the other. The time spent inside the ticket
    #    services (ticket, timeline event, attachments, SLA recompute) is measured apart from the rest.
    from picocore.mail import services

    in_ticket_services = [0.0]

    def timed(service):
        def wrapper(**kwargs):
            began = time.perf_counter()
            try:
                return service(**kwargs)
            finally:
                in_ticket_services[0] += time.perf_counter() - began

        wrapper.__signature__ = inspect.signature(service)  # keeps the `data=` detection intact
        return wrapper

    services.ticket_reply, services.ticket_create = timed(services.ticket_reply), timed(services.ticket_create)
    latencies = []
    began = time.perf_counter()
    for inbound_id in ids:
        one = time.perf_counter()
        mail_process(inbound_id=inbound_id)
        latencies.append((time.perf_counter() - one) * 1000)
    process_seconds = time.perf_counter() - began

    # 4. The same messages delivered again: recognised as duplicates, nothing processed twice.
    began = time.perf_counter()
    duplicates = sum(not mail_receive(raw=raw, source="lmtp").created for _kind, raw in batch[:200])
    duplicate_seconds = time.perf_counter() - began

    counted = InboundMessage.objects.values("outcome").annotate(n=Count("id")).order_by("outcome")
    outcomes = {row["outcome"]: row["n"] for row in counted}
    ordered = sorted(latencies)
    result = {
        "database": args.db,
        "messages": len(batch),
        "mix": {kind: sum(1 for k, _ in batch if k == kind) for kind, _weight in MIX},
        "outcomes": outcomes,
        "setup_seconds": round(setup_seconds, 1),
        "parse_per_second": rate(len(batch), parse_seconds),
        "receive_per_second": rate(len(batch), receive_seconds),
        "process_per_second": rate(len(batch), process_seconds),
        "end_to_end_per_second": rate(len(batch), receive_seconds + process_seconds),
        "duplicate_receive_per_second": rate(200, duplicate_seconds),
        "duplicates_recognised": duplicates,
        "ticket_services_share_of_processing": round(in_ticket_services[0] / process_seconds, 2),
        "process_median_ms": round(statistics.median(ordered), 2),
        "process_p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2),
        "machine": machine(),
    }
    path = save(f"mail-{args.db}", result)
    print(f"{len(batch)} messages on {args.db} ({result['outcomes']})")
    for label, key in (("parse + trim (no database)", "parse_per_second"), ("receive (store, dedupe, enqueue)",
                       "receive_per_second"), ("process (thread, file)", "process_per_second"),
                       ("end to end (receive + process)", "end_to_end_per_second"),
                       ("duplicate delivery", "duplicate_receive_per_second")):  # fmt: skip
        print(f"  {label:<34} {result[key]:>9,.1f} messages/s")
    print(f"  processing latency: median {result['process_median_ms']} ms, p95 {result['process_p95_ms']} ms; "
          f"{result['ticket_services_share_of_processing']:.0%} of it inside the ticket services")  # fmt: skip
    print(f"Saved {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()
