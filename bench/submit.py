"""Submissions of the customer's new-request form per second over HTTP, two revisions side by side.

    .venv/bin/python bench/submit.py --template picocore_bench_100k --before c646ccd --rounds 3 --duration 15

It copies one database twice (`CREATE DATABASE … TEMPLATE`), checks the older revision out into a
temporary `git worktree add --detach`, migrates each copy with its own revision, serves each revision with its
own gunicorn (2 workers × 4 threads, as `picocore serve`, production settings) and loads them in turn with
`wrk -t2 -c8` for `--duration` seconds per round (before, after, before, after, …), POSTing the form with a
valid CSRF cookie and token, the session cookie and a fresh submission token per request (bench/submit.lua):
a repeated token would only find the first ticket again. Redirects count as successes; the tickets each round
created are counted in its database. No task worker runs during the rounds in either revision (both leave task
rows: the older one a send-outbox task per request, the newer one the fan-out task).

The in-process ratios of the form and the submission to their floors are bench/floor.py's ("portal form",
"portal submit"). Results: bench/results/submit-http.json.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

from support import PYTHON, RESULTS, ROOT, base_environment, machine, matched, psql, save
from throughput import free_port, request_once, wait_until_up

POSTGRES = "postgres://postgres@127.0.0.1:5432/"
LUA = Path(__file__).with_name("submit.lua")


def environment(database: str, var_dir: str, secret_key: str) -> dict[str, str]:
    env = base_environment(var_dir, "postgres", secret_key)
    env["DATABASE_URL"] = POSTGRES + database
    return env


# ---------------------------------------------------------------------------------------------- over HTTP

SIGN_IN = """
import json, django
django.setup()
from django.db.models import Count
from django.test import Client
from picocore.catalog.selectors import offered_request_types
from picocore.tenancy.choices import MembershipRole
from picocore.tenancy.models import Membership, Organisation
from picocore.tickets.models import Ticket
import picocore, sys
sys.path.insert(0, "{bench}")
from portal import submission
organisation = Organisation.objects.annotate(n=Count("tickets")).order_by("-n").first()
admin = Membership.objects.filter(organisation=organisation, role=MembershipRole.CUSTOMER_ADMIN).first().user
client = Client()
client.force_login(admin)
session = client.session
session["portal_organisation_id"] = organisation.pk
session.save()
request_type = offered_request_types(organisation=organisation).prefetch_related("fields").first()
print(json.dumps({{"session": client.cookies["sessionid"].value, "slug": request_type.slug,
    "form": submission(request_type, organisation), "picocore": picocore.__file__}}))
"""


def run(command: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def tickets_in(database: str) -> int:
    return int(psql("SELECT count(*) FROM tickets_ticket", database=database))


def post_once(base: str, path: str, cookie: str, body: str) -> tuple[int, str]:
    """One POST of the form without following the redirect: (status, Location)."""
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    return request_once(base + path, "POST", headers, body)


def wrk(url: str, args: argparse.Namespace, env: dict[str, str]) -> dict:
    # A long timeout: wrk's default (2 s) drops slower answers from its count while the server still files them.
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "60s", "--latency"]
    command += ["-s", str(LUA), url]
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)\s*$", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)$", output, re.MULTILINE)
    return {
        "requests_per_second": float(matched(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(matched(r"(\d+) requests in", output).group(1)),
        "latency_p50": latency.get("50"),
        "latency_p99": latency.get("99"),
        "non_2xx_3xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
        "raw": output,
    }


def http(args: argparse.Namespace) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `apt-get install wrk`.")
    tree = Path(tempfile.mkdtemp(prefix="picocore-submit-before-")) / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.before], cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    revisions = {"before": (tree, f"{args.prefix}_before"), "after": (ROOT, f"{args.prefix}_after")}
    servers: dict[str, subprocess.Popen] = {}
    setups: dict[str, dict] = {}
    try:
        for name, (checkout, database) in revisions.items():
            psql(f'DROP DATABASE IF EXISTS "{database}"', f'CREATE DATABASE "{database}" TEMPLATE "{args.template}"')
            var_dir = Path(args.var_dir) / name
            var_dir.mkdir(parents=True, exist_ok=True)
            env = environment(database, str(var_dir), args.secret_key) | {"PYTHONPATH": str(checkout)}
            run([PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], env, checkout)
            run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0"], env, checkout)
            psql("ANALYZE", database=database)
            setup = json.loads(run([PYTHON, "-c", SIGN_IN.format(bench=ROOT / "bench")], env, checkout))
            if not setup["picocore"].startswith(str(checkout)):
                raise SystemExit(f"{name} imported picocore from {setup['picocore']}, not {checkout}")
            port = free_port()
            log = (RESULTS / f"gunicorn-submit-{name}.log").open("w")
            servers[name] = subprocess.Popen(
                [PYTHON, "-m", "gunicorn", "picocore.config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--workers", "2", "--threads", "4"],
                env=env, cwd=checkout, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
            setups[name] = {**setup, "base": f"http://127.0.0.1:{port}", "database": database}
        csrf = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret as the form's token
        for name, setup in setups.items():
            wait_until_up(setup["base"] + "/healthz", servers[name])
            setup["cookie"] = f"sessionid={setup['session']}; csrftoken={csrf}"
            setup["body"] = urllib.parse.urlencode({**setup["form"], "csrfmiddlewaretoken": csrf})
            status, location = post_once(setup["base"], f"/portal/new/{setup['slug']}/", setup["cookie"],
                                         setup["body"] + "&submission=" + uuid.uuid4().hex)  # fmt: skip
            if status != 302 or "/portal/requests/" not in location:
                raise SystemExit(f"{name}: the form answered {status} {location!r}, not a redirect to the request")
        rounds: list[dict] = []
        for number in range(1, args.rounds + 1):
            for name, setup in setups.items():
                before = tickets_in(setup["database"])
                load = os.getloadavg()
                lua_env = os.environ | {"SUBMIT_COOKIE": setup["cookie"], "SUBMIT_BODY": setup["body"]}
                figures = wrk(setup["base"] + f"/portal/new/{setup['slug']}/", args, lua_env)
                time.sleep(1)  # requests still in flight when wrk stopped finish
                created = tickets_in(setup["database"]) - before
                rounds.append({"round": number, "revision": name, **figures, "tickets_created": created,
                               "load_before": " ".join(f"{v:.2f}" for v in load)})  # fmt: skip
                print(f"round {number} {name:<6} {figures['requests_per_second']:>7.1f} req/s  "
                      f"p50 {figures['latency_p50']:>8}  p99 {figures['latency_p99']:>8}  "
                      f"errors {figures['non_2xx_3xx']} {figures['socket_errors']}  created {created} of "
                      f"{figures['requests']}  "
                      f"load {rounds[-1]['load_before']}")  # fmt: skip
    finally:
        for server in servers.values():
            os.killpg(server.pid, signal.SIGTERM)  # gunicorn and its workers: the group this script started
            server.wait(timeout=30)
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    medians = {
        name: statistics.median(r["requests_per_second"] for r in rounds if r["revision"] == name) for name in setups
    }
    results = {
        "before": args.before,
        "template": args.template,
        "wrk": f"-t2 -c{args.connections} -d{args.duration}s",
        "gunicorn": "2 workers × 4 threads",
        "rounds": rounds,
        "median_requests_per_second": medians,
        "ratio_after_to_before": round(medians["after"] / medians["before"], 2),
        "machine": machine(),
    }
    print(f"median req/s: before {medians['before']:.1f}, after {medians['after']:.1f}: "
          f"× {results['ratio_after_to_before']}")  # fmt: skip
    print(f"Saved to {save('submit-http', results)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--var-dir", default=str(RESULTS / "submit-var"), help="PICOCORE_VAR_DIR of each revision")
    parser.add_argument("--secret-key", default="bench-submit-" + "x" * 50)
    parser.add_argument("--template", required=True, help="the seeded database to copy (never written)")
    parser.add_argument("--before", default="c646ccd", help="the older revision")
    parser.add_argument("--prefix", default="picocore_submit_http", help="names of the two copies")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    Path(args.var_dir).mkdir(parents=True, exist_ok=True)
    http(args)


if __name__ == "__main__":
    main()
