"""Seed a fresh database with `picocore seed` and report tickets per second.

    .venv/bin/python bench/seed.py                       # 100,000 tickets on SQLite, then on PostgreSQL
    .venv/bin/python bench/seed.py --db sqlite --tickets 20000

SQLite: a new file database in a new temporary directory (PICOCORE_VAR_DIR). PostgreSQL: the database
picocore_bench is dropped and created again (PICOCORE_BENCH_POSTGRES overrides the URL). Both are migrated
and get collected static files, so bench/portal.py and bench/http.py can run the production settings
against them afterwards. Results go to bench/results/seed-<db>.json.
"""

import argparse
import re
import time

from support import DATABASES, PYTHON, ROOT, fresh_target, machine, manage, postgres_database, psql, save

SUMMARY = re.compile(r"\(([\d,]+) timeline events\) in ([\d.]+) s: ([\d,]+) tickets/s")


def database_size(database: str, env: dict[str, str]) -> str:
    if database == "postgres":
        return psql(f"SELECT pg_size_pretty(pg_database_size('{postgres_database()}'))")
    path = ROOT.joinpath(env["PICOCORE_VAR_DIR"], "picocore.sqlite3")
    return f"{path.stat().st_size / 1024 / 1024:.0f} MB"


def run(database: str, customers: int, tickets: int, seed: int) -> dict:
    env = fresh_target(database)
    print(f"\n== {database}: migrate, collectstatic, seed {tickets:,} tickets for {customers} customers ==")
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    started = time.perf_counter()
    output = manage(
        env, "seed", "--customers", str(customers), "--tickets", str(tickets), "--seed", str(seed), capture=True
    )
    wall = time.perf_counter() - started
    print(output.strip())
    events, seconds, rate = SUMMARY.search(output).groups()
    result = {
        "database": database,
        "customers": customers,
        "tickets": tickets,
        "seed": seed,
        "events": int(events.replace(",", "")),
        "seed_seconds": float(seconds),
        "tickets_per_second": int(rate.replace(",", "")),
        "command_wall_seconds": round(wall, 1),
        "database_size": database_size(database, env),
        "summary": output.strip(),
        "machine": machine(),
    }
    print(f"{database}: {result['tickets_per_second']:,} tickets/s ({wall:.1f} s including start-up)")
    save(f"seed-{database}", result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=[*DATABASES, "both"], default="both")
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"Python: {PYTHON}")
    for database in DATABASES if args.db == "both" else (args.db,):
        run(database, args.customers, args.tickets, args.seed)


if __name__ == "__main__":
    main()
