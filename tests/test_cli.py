"""The `picocore` command: help, pass-through to Django, and the finder for a suitable Python."""

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
