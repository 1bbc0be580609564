"""Production settings are secure by default; the demo is the only relaxed mode."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PICOCORE_", "DJANGO_")) and k != "SECRET_KEY"}
    clean["DJANGO_SETTINGS_MODULE"] = "picocore.config.settings"
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "SECRET_KEY": "x7" * 30 + "-production-like-secret-with-enough-entropy",
            "ALLOWED_HOSTS": "desk.example.com",
            "PICOCORE_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_manage("check", env={"PICOCORE_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_demo_generates_a_private_secret_once(tmp_path):
    for _ in range(2):
        result = run_manage("check", env={"PICOCORE_DEMO": "1", "PICOCORE_VAR_DIR": str(tmp_path)})
        assert result.returncode == 0, result.stderr
    key_file = tmp_path / "secret_key"
    assert len(key_file.read_text()) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_production_defaults(tmp_path):
    names = ["DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"]
    code = f"from django.conf import settings; print(*[getattr(settings, n) for n in {names!r}])"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "picocore.config.settings",
            "SECRET_KEY": "s" * 60,
            "PICOCORE_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.stdout.split() == ["False", "True", "True", "True", "31536000"], result.stderr


def test_passwords_are_hashed_with_argon2():
    from picocore.config import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
