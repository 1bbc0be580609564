"""Guessing tokens is throttled per client address: past the limit of invalid tokens in a window, every Bearer
request from that address is 429 with Retry-After, a valid token included, while other addresses go on."""

import pytest

from picocore.api import throttling
from tests.api.conftest import ApiWorld, error_of

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tickets/"


def _bearer(api, token: str, address: str = "198.51.100.7"):
    return api.client.get(LIST, headers={"Authorization": f"Bearer {token}"}, REMOTE_ADDR=address)


@pytest.fixture
def limit(settings) -> int:
    settings.PICOCORE_API_BAD_TOKEN_LIMIT = 3
    settings.PICOCORE_API_BAD_TOKEN_WINDOW = 600
    return 3


def test_invalid_tokens_past_the_limit_lock_the_address_for_every_token(world: ApiWorld, limit):
    api = world.api(world.acme.requester)
    prefix = api.token.split("_")[1]
    guesses = [f"pc_{prefix}_wrong", "pc_unknown_secret", "not-a-token"]
    answers = [_bearer(api, guess) for guess in guesses]
    assert [a.status_code for a in answers] == [401, 401, 429]
    # A known prefix with a wrong secret reads exactly as an unknown token.
    assert error_of(answers[0]) == error_of(answers[1])
    assert 0 < int(answers[2]["Retry-After"]) <= 600 and error_of(answers[2])["code"] == "throttled"
    # Locked: the right token from that address is refused alike, so a lucky guess is not told apart.
    assert _bearer(api, api.token).status_code == 429
    # Another address is not held up.
    assert _bearer(api, api.token, address="203.0.113.9").status_code == 200


def test_the_lock_ends_with_its_window(world: ApiWorld, limit, monkeypatch):
    api = world.api(world.acme.requester)
    for _ in range(limit):
        _bearer(api, "pc_nothing_here")
    assert _bearer(api, api.token).status_code == 429
    clock = throttling.time.time()
    monkeypatch.setattr(throttling.time, "time", lambda: clock + 600)
    assert _bearer(api, api.token).status_code == 200


def test_valid_tokens_and_browser_sessions_count_nothing(world: ApiWorld, limit, client):
    api = world.api(world.acme.requester)
    for _ in range(limit + 2):
        assert _bearer(api, api.token).status_code == 200
    client.force_login(world.acme.requester)
    assert client.get(LIST, REMOTE_ADDR="198.51.100.7").status_code == 200
    assert _bearer(api, "pc_one_guess").status_code == 401


def test_a_header_that_is_not_ascii_counts_as_a_guess(world: ApiWorld, limit):
    api = world.api(world.acme.requester)
    answers = [
        api.client.get(LIST, headers={"Authorization": "Bearer pc_\u00e6\u00f8\u00e5"}, REMOTE_ADDR="198.51.100.7")
        for _ in range(limit)
    ]
    assert [a.status_code for a in answers] == [401, 401, 429]
