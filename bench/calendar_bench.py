"""Computations per second of the business-time engine (picocore/sla/calendar.py): pure Python, one core, no
database and no Django.

    .venv/bin/python bench/calendar_bench.py                  # about half a minute
    .venv/bin/python bench/calendar_bench.py --n 5000 --repeat 3 --json bench/results/calendar.json

Each workload runs `--n` computations `--repeat` times on a 5-day 08:00–16:00 Copenhagen calendar with Danish
public holidays (plus a lunch-break and a 24/7 calendar); the best and the median run are reported. Starts are
spread over 2026–2030, so holidays and both DST changes of every year are crossed. "warm" means the calendar has
already met those years (its per-year tables are memoised, as in a long-running server); "cold" builds a new,
distinct calendar for every computation, so it pays for compiling the calendar and its first years.
"""

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import holidays  # noqa: E402  (after the path set-up, like the other benchmarks)

from picocore.sla.calendar import BusinessCalendar, add_business_time, business_time_between  # noqa: E402

UTC = dt.UTC
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def office(**extra) -> BusinessCalendar:
    schedule = {day: ["08:00-16:00"] for day in WEEKDAYS}
    return BusinessCalendar.from_schedule(schedule, time_zone="Europe/Copenhagen", country="DK", **extra)


def lunch() -> BusinessCalendar:
    schedule = {day: ["08:00-12:00", "12:30-16:00"] for day in WEEKDAYS}
    return BusinessCalendar.from_schedule(schedule, time_zone="Europe/Copenhagen", country="DK")


def starts(rng: random.Random, n: int, first: int = 2026, years: int = 5) -> list[dt.datetime]:
    """Random instants, to the microsecond, in the given years; half of them expressed in Copenhagen time."""
    base = dt.datetime(first, 1, 1, tzinfo=UTC)
    span = (dt.datetime(first + years, 1, 1, tzinfo=UTC) - base) // dt.timedelta(microseconds=1)
    zone = BusinessCalendar.always_open("Europe/Copenhagen")._engine.zone
    moments = [base + dt.timedelta(microseconds=rng.randrange(span)) for _ in range(n)]
    return [moment.astimezone(zone) if index % 2 else moment for index, moment in enumerate(moments)]


def typical_durations(rng: random.Random, n: int) -> list[dt.timedelta]:
    """1 hour to 2 weeks, log-uniform: SLA targets are mostly hours, some days."""
    return [dt.timedelta(seconds=round(3600 * (14 * 24) ** rng.random())) for _ in range(n)]


def run(label: str, work, n: int, repeat: int) -> dict:
    """`work()` performs n computations; returns computations per second (best and median run)."""
    rates = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        rates.append(n / (time.perf_counter() - began))
    result = {"best_per_s": round(max(rates)), "median_per_s": round(statistics.median(rates)), "n": n}
    print(f"{label:58s} {result['median_per_s']:>10,} /s median  {result['best_per_s']:>10,} /s best", flush=True)
    return result


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "holidays": holidays.__version__,
        "load average": " ".join(f"{value:.2f}" for value in os.getloadavg()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000, help="computations per run (default 20000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per workload (default 5)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    n, repeat = args.n, args.repeat
    rng = random.Random(20260329)
    print(" · ".join(f"{key} {value}" for key, value in machine().items()))

    calendar = office()
    moments = starts(rng, n)
    durations = typical_durations(rng, n)
    deadlines = [add_business_time(calendar, start, length) for start, length in zip(moments, durations, strict=True)]
    pairs = list(zip(moments, deadlines, strict=True))
    results: dict[str, dict] = {}

    def adds(cal: BusinessCalendar) -> None:
        for start, length in zip(moments, durations, strict=True):
            add_business_time(cal, start, length)

    def betweens(cal: BusinessCalendar) -> None:
        for start, end in pairs:
            business_time_between(cal, start, end)

    results["add, 1 h–2 weeks, office 8–16 DK (warm)"] = run(
        "add, 1 h–2 weeks, office 8–16 DK (warm)", lambda: adds(calendar), n, repeat
    )
    results["between, 1 h–2 weeks, office 8–16 DK (warm)"] = run(
        "between, 1 h–2 weeks, office 8–16 DK (warm)", lambda: betweens(calendar), n, repeat
    )
    with_lunch = lunch()
    adds(with_lunch)
    results["add, 1 h–2 weeks, lunch break DK (warm)"] = run(
        "add, 1 h–2 weeks, lunch break DK (warm)", lambda: adds(with_lunch), n, repeat
    )
    always = BusinessCalendar.always_open("Europe/Copenhagen")
    adds(always)
    results["add, 1 h–2 weeks, 24/7 Copenhagen (warm)"] = run(
        "add, 1 h–2 weeks, 24/7 Copenhagen (warm)", lambda: adds(always), n, repeat
    )

    # Ten years: between over a decade, and adding a decade's worth of business time (about 20,300 hours).
    decade = [moment + dt.timedelta(days=3653) for moment in moments]
    ten_years = business_time_between(
        calendar, dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2036, 1, 1, tzinfo=UTC)
    )

    def decade_betweens() -> None:
        for start, end in zip(moments, decade, strict=True):
            business_time_between(calendar, start, end)

    def decade_adds() -> None:
        for start in moments:
            add_business_time(calendar, start, ten_years)

    decade_adds()
    results["between, 10-year spans (warm)"] = run("between, 10-year spans (warm)", decade_betweens, n, repeat)
    results["add, ~20,300 business hours ≈ 10 years (warm)"] = run(
        "add, ~20,300 business hours ≈ 10 years (warm)", decade_adds, n, repeat
    )

    # Cold: a new calendar value each time (a distinct closed day defeats the shared compiled-engine memo).
    cold_n = max(1, n // 20)
    cold_calendars = [office(closed_days={dt.date(1990, 1, 1) + dt.timedelta(days=i)}) for i in range(cold_n * repeat)]
    batches = iter(range(repeat))

    def cold_adds() -> None:
        batch = next(batches)
        for index in range(cold_n):
            add_business_time(cold_calendars[batch * cold_n + index], moments[index], durations[index])

    results["add on a new calendar (cold: compile + first year)"] = run(
        "add on a new calendar (cold: compile + first year)", cold_adds, cold_n, repeat
    )

    started, end = moments[0], decade[0]

    def one_cold_decade() -> None:
        business_time_between(office(closed_days={dt.date(1980, 1, 1)}), started, end)

    began = time.perf_counter()
    one_cold_decade()
    cold_decade_ms = (time.perf_counter() - began) * 1000
    print(f"{'between over 10 years on a new calendar (cold, once)':58s} {cold_decade_ms:>10.1f} ms")
    results["between over 10 years on a new calendar (cold, once)"] = {"ms": round(cold_decade_ms, 1)}

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=2) + "\n")
        print(f"written to {args.json}")


if __name__ == "__main__":
    main()
