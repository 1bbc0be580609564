"""The `picocore` command: help, pass-through to Django, and the finder for a suitable Python."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def picocore(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "picocore.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env=env,
        timeout=120,
    )


def test_help_lists_the_operator_commands():
    result = picocore("--help")
    assert result.returncode == 0
    for command in ("demo", "serve", "worker", "seed"):
        assert command in result.stdout


def test_other_commands_go_to_django(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PICOCORE_DEMO": "1", "PICOCORE_VAR_DIR": str(tmp_path)}
    result = picocore("showmigrations", "catalog", env=env)
    assert result.returncode == 0, result.stderr
    assert "0002_default_priority_matrix" in result.stdout


def test_find_python_prints_an_interpreter_of_at_least_3_12():
    found = subprocess.run([ROOT / "scripts" / "find-python"], capture_output=True, text=True, check=True)
    version = subprocess.run(
        [found.stdout.strip(), "-c", "import sys; print(sys.version_info >= (3, 12))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip() == "True"


def test_find_python_explains_when_there_is_none(tmp_path):
    result = subprocess.run(
        ["/bin/sh", ROOT / "scripts" / "find-python"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": str(tmp_path), "PYENV_ROOT": str(tmp_path / "no-pyenv"), "HOME": str(tmp_path)},
    )
    assert result.returncode == 1
    assert "PicoCore needs Python 3.12 or newer" in result.stderr


def _demo_base_url(monkeypatch, *argv: str) -> tuple[str, list[list[str]]]:
    """Run `picocore demo` with migrating and serving replaced by a child process that reports the base URL
    the web server and the worker would see."""
    from picocore import cli

    monkeypatch.setenv("PICOCORE_DEMO", "1")  # restored after the test, as is PICOCORE_BASE_URL
    monkeypatch.setattr(cli, "_manage", lambda *args: None)
    served: list[list[str]] = []
    seen: list[str] = []

    def serve(server: list[str], with_worker: bool) -> int:
        served.append(server)
        child = subprocess.run(
            [sys.executable, "-c", "from django.conf import settings; print(settings.PICOCORE_BASE_URL)"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "picocore.config.settings"},
            cwd=ROOT,
        )
        seen.append(child.stdout.strip())
        return 0

    monkeypatch.setattr(cli, "_serve_with_worker", serve)
    assert cli.main(["demo", *argv]) == 0
    return seen[0], served


def test_demo_links_point_to_the_port_it_serves_on(monkeypatch, tmp_path):
    monkeypatch.delenv("PICOCORE_BASE_URL", raising=False)
    monkeypatch.setenv("PICOCORE_VAR_DIR", str(tmp_path))
    base_url, served = _demo_base_url(monkeypatch, "--port", "8123")
    assert base_url == "http://127.0.0.1:8123"
    assert served[0][served[0].index("--bind") + 1] == "127.0.0.1:8123"


def test_demo_keeps_a_base_url_that_was_set(monkeypatch, tmp_path):
    monkeypatch.setenv("PICOCORE_BASE_URL", "https://desk.example")
    monkeypatch.setenv("PICOCORE_VAR_DIR", str(tmp_path))
    base_url, _ = _demo_base_url(monkeypatch, "--port", "8123")
    assert base_url == "https://desk.example"
