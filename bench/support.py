"""What the benchmark scripts share: the two database targets, their environment, the results folder, the
machine description and a few statistics. Not a test helper: benchmarks never assert timings."""

import json
import os
import platform
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TARGETS_FILE = RESULTS / "targets.json"
PYTHON = sys.executable
POSTGRES_URL = os.environ.get("PICOCORE_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/picocore_bench")
DATABASES = ("sqlite", "postgres")
TEMPORARY_PREFIX = "picocore-bench-"


def size_label(tickets: int) -> str:
    """A database size as targets are named: 10k, 100k, 1m, 2500."""
    if tickets >= 1_000_000 and tickets % 1_000_000 == 0:
        return f"{tickets // 1_000_000}m"
    if tickets >= 1000 and tickets % 1000 == 0:
        return f"{tickets // 1000}k"
    return str(tickets)


def sized_postgres_url(tickets: int) -> str:
    """PICOCORE_BENCH_POSTGRES when set, else the local database picocore_bench_<size> (picocore_bench_1m)."""
    if "PICOCORE_BENCH_POSTGRES" in os.environ:
        return POSTGRES_URL
    return f"postgres://postgres@127.0.0.1:5432/picocore_bench_{size_label(tickets)}"


def base_environment(var_dir: str, database: str, secret_key: str, url: str = POSTGRES_URL) -> dict[str, str]:
    """The process environment that points PicoCore's production settings at one benchmark database."""
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "PICOCORE_DEMO"}}
    env.update(
        DJANGO_SETTINGS_MODULE="picocore.config.settings",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        PICOCORE_HTTPS="0",
        PICOCORE_VAR_DIR=var_dir,
        PICOCORE_LOG_LEVEL="WARNING",
    )
    if database == "postgres":
        env["DATABASE_URL"] = url
    return env


def psql(*sql: str, database: str = "postgres", server: str = POSTGRES_URL) -> str:
    """Run SQL statements with psql as the user of the server's URL, against `database`; returns the output."""
    url = urlsplit(server)
    command = ["psql", "-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    command += ["-d", database, "-v", "ON_ERROR_STOP=1", "-qtA"]
    for statement in sql:
        command += ["-c", statement]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def postgres_database(url: str = POSTGRES_URL) -> str:
    return urlsplit(url).path.lstrip("/")


def fresh_target(database: str, label: str = "", var_dir: str = "", url: str = POSTGRES_URL) -> dict[str, str]:
    """A new, empty database for `database` ("sqlite" or "postgres") and its environment; remembered in
    bench/results/targets.json for the other scripts, as `database` (the last one seeded) and, with a
    `label`, as `database-label` (postgres-1m). `var_dir`: PICOCORE_VAR_DIR, new or empty (default: a new
    temporary directory); `url`: the PostgreSQL database, dropped and created again."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    targets = load_targets(required=False)
    for name in (database, f"{database}-{label}" if label else ""):
        old = targets.get(name, {}).get("PICOCORE_VAR_DIR", "")
        if Path(old).name.startswith(TEMPORARY_PREFIX) and Path(old).parent == Path(tempfile.gettempdir()):
            shutil.rmtree(old, ignore_errors=True)  # an earlier run's temporary directory is ours to remove
    if var_dir:
        if Path(var_dir).exists() and any(Path(var_dir).iterdir()):
            sys.exit(f"{var_dir} is not empty: give a new or empty directory for the fresh database.")
        Path(var_dir).mkdir(parents=True, exist_ok=True)
    else:
        var_dir = tempfile.mkdtemp(prefix=f"{TEMPORARY_PREFIX}{database}-")
    if database == "postgres":
        name = postgres_database(url)
        psql(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"', server=url)
    # A key of its own per benchmark installation: the in-process client and gunicorn must share it.
    env = base_environment(var_dir, database, secrets.token_urlsafe(50), url)
    target = {key: env[key] for key in ("PICOCORE_VAR_DIR", "DATABASE_URL", "SECRET_KEY") if key in env}
    targets[database] = target
    if label:
        targets[f"{database}-{label}"] = target
    TARGETS_FILE.write_text(json.dumps(targets, indent=2) + "\n")
    return env


def load_targets(required: bool = True) -> dict:
    if TARGETS_FILE.exists():
        return json.loads(TARGETS_FILE.read_text())
    if required:
        sys.exit("No seeded benchmark database: run `.venv/bin/python bench/seed.py` first.")
    return {}


def target_environment(database: str) -> dict[str, str]:
    """The environment of the database bench/seed.py seeded last for `database` ("sqlite", "postgres", or a
    sized target such as "postgres-1m")."""
    target = load_targets().get(database)
    if target is None:
        sys.exit(f"No seeded {database} database: run `.venv/bin/python bench/seed.py --db {database}` first.")
    kind = database.partition("-")[0]
    return base_environment(
        target["PICOCORE_VAR_DIR"], kind, target["SECRET_KEY"], target.get("DATABASE_URL", POSTGRES_URL)
    )


def use_target(database: str) -> None:
    """Point this process's Django at the seeded `database` and set Django up."""
    os.environ.clear()
    os.environ.update(target_environment(database))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    """Run `manage.py <args>` in a child process with `env`; stops the benchmark if it fails."""
    completed = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=False, text=True,
        stdout=subprocess.PIPE if capture else None,
    )  # fmt: skip
    if completed.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed with exit code {completed.returncode}")
    return completed.stdout or ""


def matched(pattern: str, text: str) -> re.Match[str]:
    """The first match of `pattern` in a tool's output; stops the benchmark, showing the output, without one."""
    found = re.search(pattern, text, re.MULTILINE)
    if found is None:
        sys.exit(f"No {pattern!r} in:\n{text}")
    return found


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory_kib = int(matched(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    try:
        postgres = psql("SHOW server_version")
    except (OSError, subprocess.CalledProcessError):
        postgres = "not reachable"
    import django

    git = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{memory_kib / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres,
        "load average": " ".join(f"{value:.2f}" for value in os.getloadavg()),
        "code": git.stdout.strip(),
    }


def summary(samples_ms: list[float]) -> dict[str, float]:
    """Median, 95th percentile, mean, min and max of latencies in milliseconds."""
    ordered = sorted(samples_ms)
    p95 = statistics.quantiles(ordered, n=20, method="inclusive")[18] if len(ordered) > 1 else ordered[0]
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(p95, 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
        "min_ms": round(ordered[0], 2),
        "max_ms": round(ordered[-1], 2),
        "n": len(ordered),
    }


def save(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path
