"""The impact query on a 500-component landscape: what depends on a component, with the path of integrations
that makes it so (`picocore.cmdb.impact.dependants`, depth 3), and the desk's component page selector that shows
it (`picocore.desk.landscape.component_page`: the component, its runbook, what depends on it and what it depends
on with their paths, its open tickets and planned changes) — against the bare query they cannot avoid: reading
the organisation's integrations.

    .venv/bin/python bench/impact.py                      # SQLite, a fresh temporary database
    .venv/bin/python bench/impact.py --db postgres        # PostgreSQL: drops and creates picocore_bench_impact
    .venv/bin/python bench/impact.py --components 500 --rounds 200

The database is made afresh and migrated. It holds `--organisations` customers (5), each with a landscape of
`--components` components (500) in 5 solutions × 2 environments, and about two integrations per component: each
links to two later components of its environment, every 20th back to an earlier one (cycles) and every 10th both
ways. A second landscape of 50 components (another customer) shows the query counts do not grow with the size.
After `--warm-up` untimed rounds, each round times the bare query, the impact walk and the component page once
each, on both landscapes, in an order that rotates every round: whatever else loads the machine loads all of
them alike. Results: bench/results/impact-<db>.json.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import support
from support import machine, save, summary

ENVIRONMENTS = ("production", "staging")


def build(organisation, size: int, rng: random.Random) -> list:
    """A landscape of `size` components with its integrations (bulk-inserted); its components in order."""
    from picocore.cmdb.choices import ComponentKind, IntegrationDirection, SolutionKind
    from picocore.cmdb.models import Component, Environment, Integration, Solution

    kinds = list(ComponentKind.values)
    per_environment = max(1, size // (5 * len(ENVIRONMENTS)))
    components: list = []
    for s in range(5):
        solution = Solution.objects.create(organisation=organisation, name=f"Solution {s}", product="Akeneo 7",
                                           kind=list(SolutionKind.values)[s % len(SolutionKind.values)])  # fmt: skip
        for kind in ENVIRONMENTS:
            environment = Environment.objects.create(solution=solution, kind=kind)
            rows = Component.objects.bulk_create(
                Component(organisation=organisation, environment=environment, name=f"{solution.name} {kind} {n}",
                          kind=kinds[n % len(kinds)], product="Product", version=f"{n % 9}.0")
                for n in range(per_environment)
            )  # fmt: skip
            components.extend(rows)
            links = []
            for n, source in enumerate(rows):
                later = rows[n + 1 :]
                for target in rng.sample(later, min(2, len(later))):
                    two_way = (n % 10) == 0
                    links.append(
                        (source, target, IntegrationDirection.TWO_WAY if two_way else IntegrationDirection.ONE_WAY)
                    )
                if n % 20 == 19:
                    links.append((source, rows[rng.randrange(n)], IntegrationDirection.ONE_WAY))
            Integration.objects.bulk_create(
                Integration(organisation=organisation, source=source, target=target, name=f"Flow {i}",
                            direction=direction, protocol="REST", schedule="every 15 minutes")
                for i, (source, target, direction) in enumerate(links)
            )  # fmt: skip
    return components


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--components", type=int, default=500)
    parser.add_argument("--organisations", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--warm-up", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="picocore-bench-impact-")
    environment = {"SECRET_KEY": "bench-" + "x" * 50, "PICOCORE_HTTPS": "0", "PICOCORE_VAR_DIR": var_dir,
                   "PICOCORE_LOG_LEVEL": "ERROR", "ALLOWED_HOSTS": "127.0.0.1"}  # fmt: skip
    if args.db == "postgres":
        url = support.POSTGRES_URL.rsplit("/", 1)[0] + "/picocore_bench_impact"
        support.psql("DROP DATABASE IF EXISTS picocore_bench_impact", "CREATE DATABASE picocore_bench_impact")
        environment["DATABASE_URL"] = url
    os.environ.update(environment)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "picocore.config.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    from picocore.cmdb.impact import dependants
    from picocore.cmdb.models import Integration
    from picocore.desk.landscape import component_page
    from picocore.tenancy.choices import StaffRole
    from picocore.tenancy.models import Organisation, User
    from picocore.tenancy.scope import user_with_reach

    rng = random.Random(args.seed)
    began = time.perf_counter()
    landscapes = {}
    for n in range(args.organisations):
        organisation = Organisation.objects.create(name=f"Customer {n}", slug=f"customer-{n}", key_prefix=f"C{n}")
        landscapes[f"{args.components} components" if n == 0 else f"other {n}"] = (
            organisation,
            build(organisation, args.components, rng),
        )
    small = Organisation.objects.create(name="Small customer", slug="small", key_prefix="SM")
    landscapes["50 components"] = (small, build(small, 50, rng))
    built_s = time.perf_counter() - began
    manager = User.objects.create_user("manager@bench.example", "x", full_name="Bench Manager",
                                       staff_role=StaffRole.SERVICE_MANAGER)  # fmt: skip
    actor = user_with_reach(manager.pk)
    measured = {name: landscapes[name] for name in (f"{args.components} components", "50 components")}
    # The component to ask about: the first of the production environment of the first solution (the most
    # downstream links to walk).
    roots = {name: components[0] for name, (_organisation, components) in measured.items()}

    def bare(name: str) -> None:
        organisation = measured[name][0]
        list(Integration.objects.filter(organisation_id=organisation.pk)
             .values_list("id", "name", "protocol", "schedule", "source_id", "target_id", "direction"))  # fmt: skip

    def impact(name: str) -> None:
        dependants([roots[name].pk], 3)

    def page(name: str) -> None:
        component_page(actor=actor, component_id=roots[name].pk)

    operations = {"bare integrations query": bare, "impact (dependants, depth 3)": impact,
                  "component page selector": page}  # fmt: skip
    cases = [(op, name) for name in measured for op in operations]
    counts, reached = {}, {}
    for op, name in cases:
        with CaptureQueriesContext(connection) as captured:
            operations[op](name)
        counts[f"{op} · {name}"] = len(captured)
    for name in measured:
        reached[name] = len(dependants([roots[name].pk], 3))
    samples: dict[str, list[float]] = {f"{op} · {name}": [] for op, name in cases}
    for round_number in range(args.warm_up + args.rounds):
        shift = round_number % len(cases)
        for op, name in cases[shift:] + cases[:shift]:
            start = time.perf_counter()
            operations[op](name)
            elapsed = (time.perf_counter() - start) * 1000
            if round_number >= args.warm_up:
                samples[f"{op} · {name}"].append(elapsed)

    results = {key: {**summary(values), "queries": counts[key]} for key, values in samples.items()}
    integrations = {name: Integration.objects.filter(organisation=org).count() for name, (org, _c) in measured.items()}
    print(f"{args.db}: built {sum(len(c) for _o, c in landscapes.values()):,} components in {built_s:.1f} s; "
          f"{args.rounds} rounds after {args.warm_up} warm-up")  # fmt: skip
    for name in measured:
        print(f"  {name}: {integrations[name]:,} integrations, {reached[name]} dependants within 3 hops")
    print(f"  {'':48s} {'median':>9s} {'p95':>9s} {'queries':>8s} {'× bare':>7s}")
    for op, name in cases:
        key = f"{op} · {name}"
        base = results[f"bare integrations query · {name}"]["median_ms"]
        row = results[key]
        print(f"  {key:48s} {row['median_ms']:>7.2f}ms {row['p95_ms']:>7.2f}ms {row['queries']:>8d} "
              f"{row['median_ms'] / base:>6.1f}×")  # fmt: skip
    data = {"db": args.db, "machine": machine(), "components": args.components, "integrations": integrations,
            "dependants": reached, "results": results}  # fmt: skip
    path = save(f"impact-{args.db}", data)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
