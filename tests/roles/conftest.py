"""The portal's two-customer world (tests/portal/conftest.py), for the role tests."""

from tests.portal.conftest import resolved, world  # noqa: F401 (fixtures)
