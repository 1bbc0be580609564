"""Print the figures in bench/results/*.json as the Markdown tables of bench/README.md.

.venv/bin/python bench/report.py
"""

import json

from support import DATABASES, RESULTS


def load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def main() -> None:
    seeds = {path.stem.removeprefix("seed-"): load(path.stem) for path in sorted(RESULTS.glob("seed-*.json"))}
    portals = {db: load(f"portal-{db}") for db in DATABASES}
    throughputs = {db: load(f"throughput-{db}") for db in DATABASES}

    print("| seed | tickets | events | seconds | tickets/s | events/s | database size | load average |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for db, seed in seeds.items():
        if seed:
            figures = [f"{seed['tickets']:,}", f"{seed['events']:,}", f"{seed['seed_seconds']:.0f}"]
            figures += [f"{seed['tickets_per_second']:,}", f"{seed.get('events_per_second') or 0:,}"]
            figures += [seed["database_size"], seed["machine"]["load average"]]
            print(f"| {db} | " + " | ".join(figures) + " |")

    names = [name for portal in portals.values() if portal for name in portal["pages"]]
    print(
        "\n| page (in-process, 50 requests) | " + " | ".join(f"{db} median / p95 | queries" for db in DATABASES) + " |"
    )
    print("|---|" + "---:|---:|" * len(DATABASES))
    for name in dict.fromkeys(names):
        cells = []
        for db in DATABASES:
            figures = (portals[db] or {"pages": {}})["pages"].get(name)
            cells += (
                [f"{figures['median_ms']:.1f} / {figures['p95_ms']:.1f} ms", str(figures["queries"])]
                if figures
                else ["", ""]
            )
        print(f"| {name} | " + " | ".join(cells) + " |")

    print("\n| over HTTP (wrk) | " + " | ".join(f"{db} req/s | p50 / p99" for db in DATABASES) + " |")
    print("|---|" + "---:|---:|" * len(DATABASES))
    pages = [name for result in throughputs.values() if result for name in result["pages"]]
    for name in dict.fromkeys(pages):
        cells = []
        for db in DATABASES:
            figures = (throughputs[db] or {"pages": {}})["pages"].get(name)
            cells += (
                [f"{figures['requests_per_second']:.1f}", f"{figures['latency_p50']} / {figures['latency_p99']}"]
                if figures
                else ["", ""]
            )
        print(f"| {name} | " + " | ".join(cells) + " |")
    for db, result in throughputs.items():
        if result:
            print(
                f"\n{db}: gunicorn {result['gunicorn']}, wrk {result['wrk']}, load {result['machine']['load average']}"
            )

    desks = {db: load(f"desk-{db}") for db in DATABASES}
    recomputes = {db: load(f"sla-recompute-{db}") for db in DATABASES}
    print("\n| `picocore sla_recompute` | unfinished tickets | seconds | tickets/s | load average before → after |")
    print("|---|---:|---:|---:|---|")
    for db, run in recomputes.items():
        if run:
            figures = [f"{run['tickets']:,}", f"{run['seconds']:.0f}", f"{run['tickets_per_second']:.0f}"]
            print(f"| {db} | " + " | ".join(figures) + f" | {run['load_before']} → {run['load_after']} |")

    names = [name for desk in desks.values() if desk for name in desk["pages"]]
    print(
        "\n| desk page (in-process, 50 requests) | as | "
        + " | ".join(f"{db} median / p95 | queries | load (1 min)" for db in DATABASES)
        + " |"
    )
    print("|---|---|" + "---:|---:|---:|" * len(DATABASES))
    for name in dict.fromkeys(names):
        cells, who = [], ""
        for db in DATABASES:
            figures = (desks[db] or {"pages": {}})["pages"].get(name)
            if figures:
                who = figures["as"]
                cells += [f"{figures['median_ms']:.1f} / {figures['p95_ms']:.1f} ms", str(figures["queries"])]
                cells.append(figures["load"].split()[0])
            else:
                cells += ["", "", ""]
        print(f"| {name} | {who} | " + " | ".join(cells) + " |")
    for db, desk in desks.items():
        if desk:
            print(
                f"\n{db}: signed in as {desk['consultant']} (consultant) and {desk['manager']} (service manager); "
                f"{desk['with_sla_due']:,} tickets with an SLA deadline, {desk['sla_clocks']:,} clocks; "
                f"machine {desk['machine']['cpus']} × {desk['machine']['cpu']}, code {desk['machine']['code']}"
            )


if __name__ == "__main__":
    main()
