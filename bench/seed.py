"""Seed a fresh database with `picocore seed` and report tickets and timeline events per second.

    .venv/bin/python bench/seed.py                                  # 100,000 tickets on SQLite, then PostgreSQL
    .venv/bin/python bench/seed.py --db sqlite --tickets 20000
    .venv/bin/python bench/seed.py --db postgres --tickets 1000000  # picocore_bench_1m, a few minutes

Targets are named by size. PostgreSQL: the database picocore_bench_<size> (picocore_bench_10k, _100k, _1m) is
dropped and created again; PICOCORE_BENCH_POSTGRES names another URL. SQLite: a new file database in a new
temporary directory, or in --var-dir (new or empty). Both are migrated and get collected static files (in
PICOCORE_VAR_DIR, --var-dir for PostgreSQL too), so bench/portal.py, bench/desk.py and bench/throughput.py can
run the production settings against them afterwards: bench/results/targets.json remembers each as `<db>` (the
last seeded) and `<db>-<size>` (postgres-1m), with its generated SECRET_KEY. Results go to
bench/results/seed-<db>-<size>.json.
"""

import argparse
import os
import re
import resource
import threading
import time
from pathlib import Path

from support import (
    DATABASES,
    PYTHON,
    fresh_target,
    machine,
    manage,
    matched,
    postgres_database,
    psql,
    save,
    size_label,
    sized_postgres_url,
)

SUMMARY = re.compile(
    r"and ([\d,]+) tickets \(([\d,]+) timeline events\) in ([\d.]+) s: ([\d,]+) tickets/s(?:, ([\d,]+) events/s)?"
)


def number(text: str | None) -> int | None:
    return int(text.replace(",", "")) if text else None


def database_size(database: str, env: dict[str, str]) -> str:
    if database == "postgres":
        url = env["DATABASE_URL"]
        return psql(f"SELECT pg_size_pretty(pg_database_size('{postgres_database(url)}'))", server=url)
    path = Path(env["PICOCORE_VAR_DIR"], "picocore.sqlite3")
    return f"{path.stat().st_size / 1024 / 1024:.0f} MB"


class ServerCpu:
    """CPU seconds of the PostgreSQL processes serving one database while a block runs: its backends and their
    parallel workers, found by their process titles in /proc and sampled every 0.2 s (a process's last fifth of a
    second may be missed)."""

    def __init__(self, database: str) -> None:
        self.title = f" {database} "
        self.seen: dict[int, float] = {}
        self.leaders: set[int] = set()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> "ServerCpu":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    @property
    def seconds(self) -> float:
        return round(sum(self.seen.values()), 1)

    def _watch(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        while not self.stop.wait(0.2):
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                        title = f.read().decode(errors="replace")
                    if not title.startswith("postgres: "):
                        continue
                    pid = int(entry.name)
                    mine = self.title in title and "idle" not in title.split(self.title)[0]
                    worker = any(f"parallel worker for PID {leader}" in title for leader in self.leaders)
                    if not (mine or worker or pid in self.seen):
                        continue
                    if mine:
                        self.leaders.add(pid)
                    with open(f"/proc/{entry.name}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    self.seen[pid] = (int(fields[11]) + int(fields[12])) / tick
                except (OSError, ValueError, IndexError):
                    continue


def run(database: str, customers: int, tickets: int, seed: int, var_dir: str, url: str = "") -> dict:
    """Seed a fresh `database` ("sqlite" or "postgres"; `url`: the PostgreSQL database to drop and create, by
    default the sized one) and report; the result is also saved to bench/results/seed-<db>-<size>.json."""
    label = size_label(tickets)
    env = fresh_target(database, label, var_dir, url or sized_postgres_url(tickets))
    where = env.get("DATABASE_URL") or env["PICOCORE_VAR_DIR"]
    print(f"\n== {database}-{label} ({where}): migrate, collectstatic, seed {tickets:,} tickets for {customers} ==")
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    command = ["seed", "--customers", str(customers), "--tickets", str(tickets), "--seed", str(seed)]
    load_before = machine()["load average"]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with ServerCpu(postgres_database(env["DATABASE_URL"]) if database == "postgres" else "-") as server:
        output = manage(env, *command, capture=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    python_cpu = round(after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime, 1)
    print(output.strip())
    written, events, seconds, rate, event_rate = matched(SUMMARY.pattern, output).groups()
    result = {
        "database": database,
        "target": f"{database}-{label}",
        "environment": {key: env[key] for key in ("DATABASE_URL", "PICOCORE_VAR_DIR") if key in env},
        "command": "picocore " + " ".join(command),
        "customers": customers,
        "tickets": number(written),
        "seed": seed,
        "events": number(events),
        "seed_seconds": float(seconds),
        "tickets_per_second": number(rate),
        "events_per_second": number(event_rate),
        "command_wall_seconds": round(wall, 1),
        "command_cpu_seconds": python_cpu,
        "server_cpu_seconds": server.seconds if database == "postgres" else None,
        "load_average_after": machine()["load average"],
        "database_size": database_size(database, env),
        "summary": output.strip(),
        "load_average_before": load_before,
        "machine": machine(),
    }
    print(
        f"{database}-{label}: {result['tickets_per_second']:,} tickets/s, {result['events_per_second'] or 0:,} "
        f"events/s ({wall:.1f} s including start-up; CPU: command {python_cpu} s"
        + (f", server {server.seconds} s), " if database == "postgres" else ", in-process database), ")
        + f"{result['database_size']}; load {load_before} before, {result['load_average_after']} after"
    )
    save(f"seed-{database}-{label}", result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=[*DATABASES, "both"], default="both")
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--var-dir", default="", help="PICOCORE_VAR_DIR to create (new or empty); one --db only")
    args = parser.parse_args()
    if args.var_dir and args.db == "both":
        parser.error("--var-dir needs one --db")
    print(f"Python: {PYTHON}")
    for database in DATABASES if args.db == "both" else (args.db,):
        run(database, args.customers, args.tickets, args.seed, args.var_dir)


if __name__ == "__main__":
    main()
