import pytest

from picocore.core import views

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_without_signing_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]


def test_healthz_reports_an_unreachable_database_without_details(client, monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise OSError("connection refused by 10.0.0.5:5432")

    monkeypatch.setattr(views, "connection", BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_healthz_only_reads(client):
    assert client.post("/healthz").status_code == 405
