"""Test settings: the production settings module with what tests need changed, and nothing else.

A non-UTC time zone catches naive/aware mistakes; a fast hasher keeps the suite quick; files go to a
temporary directory.
"""

import datetime as dt
import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdefghijklmnop")
os.environ.setdefault("PICOCORE_HTTPS", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("PICOCORE_VAR_DIR", tempfile.mkdtemp(prefix="picocore-test-var-"))

from picocore.config.settings import *  # noqa: F403  (the deliberate exception: tests extend settings)

TIME_ZONE = "America/Santiago"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="picocore-test-media-")
STATIC_ROOT = tempfile.mkdtemp(prefix="picocore-test-static-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Sign-in throttling stays on (its tests need it) with the production numbers, whatever the environment says.
# Logins elsewhere in the suite use the right password, and every test starts with no failed attempts.
# The suite's webhook receivers listen on loopback; tests/core/test_outbound.py turns the guard back on.
PICOCORE_OUTBOUND_PRIVATE_TARGETS = True
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
# A real OpenID Connect provider for the single sign-on tests (django-oauth-toolkit): its tables exist in the
# test database, its endpoints are routed only by the URLconf those tests use (tests/sso/provider_urls.py), and
# they set its signing key and issuer themselves (tests/sso/conftest.py).
INSTALLED_APPS = [*INSTALLED_APPS, "oauth2_provider"]  # noqa: F405
