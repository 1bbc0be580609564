"""The `picocore` command: everything an operator does, in one place.

picocore demo      migrate, load the demo data once, serve on 127.0.0.1:8000 with the worker
picocore serve     serve with gunicorn (production: set SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL)
picocore worker    run the background worker (Django tasks, database-backed)
picocore seed      generate realistic data: --customers N --tickets M
picocore audit     verify the audit trail's hash chain: `picocore audit verify`
picocore <other>   any Django management command (migrate, createsuperuser, check, …)
"""

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
import traceback

SETTINGS = "picocore.config.settings"
# What `picocore mail ingest` loads: the apps whose models storing a message and queueing its processing
# touch (the inbound message's relations, the task queue), not the admin, pages or reports. An MTA starts it
# once per message; everything else happens in the worker. tests/mail/test_ingest.py checks the list.
INGEST_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django_tasks_db",
    "picocore.core",
    "picocore.tenancy",
    "picocore.catalog",
    "picocore.cmdb",
    "picocore.tickets",
    "picocore.mail",
]


def run_manage(argv: list[str]) -> None:
    """Run a Django management command in this process (`argv[0]` is the program name)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


def mail_ingest(argv: list[str]) -> int:
    """`picocore mail ingest …` with only INGEST_APPS loaded. An MTA pipe must see 75 (try again later),
    never 1 (a bounce), when the installation cannot start."""
    try:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
        from django.conf import settings

        settings.INSTALLED_APPS = INGEST_APPS
        run_manage(["picocore", *argv])
    except SystemExit:
        raise
    except Exception:
        traceback.print_exc()
        return 75
    return 0


def _manage(*args: str) -> None:
    """A management command in a child process, stopping the CLI with its exit code if it fails."""
    completed = subprocess.run([sys.executable, "-m", "picocore.cli", "manage", *args], check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def _gunicorn_command(bind: str, workers: int, threads: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "picocore.config.wsgi:application",
        "--bind", bind, "--workers", str(workers), "--threads", str(threads),
        "--access-logfile", "-", "--graceful-timeout", "10",
    ]  # fmt: skip


def _worker_command() -> list[str]:
    return [sys.executable, "-m", "picocore.cli", "manage", "worker"]


class WorkerSupervisor:
    """Keeps one worker process running beside the web server: a worker that exits is started again after a
    pause that grows while it keeps exiting (1 s, 2 s, … up to a minute) and starts over once it has run for a
    minute. Each exit and restart is logged on stderr."""

    def __init__(self, command: list[str], *, first_pause: float = 1.0, longest_pause: float = 60.0) -> None:
        self.command = command
        self.first_pause, self.longest_pause = first_pause, longest_pause
        self.starts = 0
        self._stop = threading.Event()
        self._process: subprocess.Popen | None = None
        self._thread = threading.Thread(target=self._run, name="worker-supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        pause = 0.0
        while not self._stop.is_set():
            started = time.monotonic()
            self._process = subprocess.Popen(self.command)
            self.starts += 1
            code = self._process.wait()
            if self._stop.is_set():
                return
            pause = self.first_pause if time.monotonic() - started >= 60 or not pause else pause * 2
            pause = min(pause, self.longest_pause)
            print(f"picocore: the worker exited with code {code}; starting it again in {pause:g} s", file=sys.stderr)
            self._stop.wait(pause)

    def stop(self) -> None:
        self._stop.set()
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self._thread.join(timeout=15)


def _serve_with_worker(server: list[str], with_worker: bool) -> int:
    """Run the web server in the foreground and a supervised worker beside it (restarted whenever it exits);
    stopping the server stops both."""
    supervisor = WorkerSupervisor(_worker_command()) if with_worker else None
    if supervisor is not None:
        supervisor.start()
    web = subprocess.Popen(server)
    try:
        return web.wait()
    except KeyboardInterrupt:
        web.send_signal(signal.SIGTERM)
        return web.wait()
    finally:
        if supervisor is not None:
            supervisor.stop()


def demo(args: argparse.Namespace) -> int:
    """Migrate, load the demo data once, and serve on 127.0.0.1:`--port` with the worker. The links in the
    e-mails the demo sends point to that address, unless PICOCORE_BASE_URL says otherwise."""
    bind = f"127.0.0.1:{args.port}"
    os.environ["PICOCORE_DEMO"] = "1"
    # Set before any child starts: the web server and the worker (which writes the e-mails) inherit it.
    os.environ.setdefault("PICOCORE_BASE_URL", f"http://{bind}")
    _manage("migrate", "--no-input", "-v", "0")
    _manage("demo_load")
    print(f"\nPicoCore demo on http://{bind}/ — sign in as anna@acme.example / picocore-demo (Ctrl-C stops)\n")
    return _serve_with_worker(_gunicorn_command(bind, workers=2, threads=4), with_worker=not args.no_worker)


def serve(args: argparse.Namespace) -> int:
    _manage("collectstatic", "--no-input", "-v", "0")
    return _serve_with_worker(
        _gunicorn_command(args.bind, workers=args.workers, threads=args.threads), with_worker=args.with_worker
    )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="picocore", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command")
    demo_parser = commands.add_parser("demo", help="migrate, load demo data once and serve with the worker")
    demo_parser.add_argument("--port", type=int, default=8000)
    demo_parser.add_argument("--no-worker", action="store_true", help="do not start the background worker")
    serve_parser = commands.add_parser("serve", help="serve with gunicorn")
    serve_parser.add_argument("--bind", default=os.environ.get("PICOCORE_BIND", "127.0.0.1:8000"))
    serve_parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    serve_parser.add_argument("--threads", type=int, default=4)
    serve_parser.add_argument("--with-worker", action="store_true", help="also run the background worker")
    commands.add_parser("worker", help="run the background worker")
    commands.add_parser("seed", help="generate data: --customers N --tickets M", add_help=False)
    commands.add_parser("mail", help="inbound e-mail: ingest | serve | fetch", add_help=False)
    commands.add_parser("audit", help="the audit trail: verify", add_help=False)
    commands.add_parser("manage", help="run a Django management command", add_help=False)

    if not argv or argv[0] in {"-h", "--help"}:
        parser.print_help()
        return 0
    command, rest = argv[0], argv[1:]
    if command == "worker":
        os.execv(sys.executable, _worker_command())
    if command == "seed":
        run_manage(["picocore", "seed", *rest])
        return 0
    if command == "manage":
        run_manage(["picocore", *rest])
        return 0
    if command == "mail" and rest[:1] == ["ingest"]:
        return mail_ingest(argv)
    if command in {"demo", "serve"}:
        args = parser.parse_args(argv)
        return demo(args) if command == "demo" else serve(args)
    run_manage(["picocore", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
