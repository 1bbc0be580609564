"""A real HTTP receiver on loopback, verifying what it receives with the README's recipe (hashlib and hmac
only, not PicoCore's own `verify`)."""

import base64
import hashlib
import hmac
import http.server
import json
import threading
from collections import deque
from dataclasses import dataclass, field

import pytest

from picocore.tenancy.choices import StaffRole
from tests import factories


def recipe_verifies(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The README's recipe: HMAC-SHA256, keyed with the base64-decoded part after `whsec_`, over
    `<webhook-id>.<webhook-timestamp>.<body>`; base64; compared with each `v1,` signature of the header."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for signature in headers["webhook-signature"].split(" "):
        version, _, value = signature.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    answers: deque = field(default_factory=deque)  # (status, body) for the next requests; then 204

    def answer(self, *answers: tuple[int, bytes]) -> None:
        self.answers.extend(answers)


@pytest.fixture
def receiver():
    state: dict[str, Receiver] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            box = state["receiver"]
            box.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            status, answer = box.answers.popleft() if box.answers else (204, b"")
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["receiver"] = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state["receiver"]
    server.shutdown()
    server.server_close()


@pytest.fixture
def manager(db):
    return factories.StaffFactory(full_name="Mia Manager", staff_role=StaffRole.SERVICE_MANAGER)
