"""The sample API on a throwaway SQLite file, with emails sent to the log (no SMTP_HOST)."""

import importlib

import pytest
from fastapi.testclient import TestClient


@pytest.fixture()
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'test.db'}")
    monkeypatch.setenv("SMTP_HOST", "")
    monkeypatch.setenv("BCRYPT_ROUNDS", "4")
    monkeypatch.setenv("DOCS_ENABLED", "true")
    import src.config
    import src.db
    import src.mailer
    import src.main

    # Settings are read at import: reload in dependency order so every module sees this test's.
    for module in (src.config, src.db, src.mailer, src.main):
        importlib.reload(module)
    with TestClient(src.main.app) as c:
        yield c


def test_health_answers_healthy(client):
    assert client.get("/health").json() == {"status": "healthy"}


def test_register_creates_an_unverified_user_once(client):
    body = {"username": "maria_garcia", "email": "maria@example.com", "password": "SecurePass456!"}
    first = client.post("/auth/register", json=body)
    assert first.status_code == 201, first.text
    assert first.json()["verification_email_sent"] is False, "no SMTP_HOST: the link goes to the log"
    assert client.post("/auth/register", json=body).status_code == 409, "an email registers once"


def test_docs_follow_docs_enabled(client, monkeypatch):
    assert client.get("/docs").status_code == 200
    monkeypatch.setenv("DOCS_ENABLED", "false")
    import src.config
    import src.main

    importlib.reload(src.config)
    importlib.reload(src.main)
    assert TestClient(src.main.app).get("/docs").status_code == 404, "production hides the docs"


def test_postgresql_urls_use_the_installed_driver(monkeypatch):
    import src.config

    monkeypatch.setenv("DATABASE_URL", "postgresql://contravento:pw@postgres:5432/contravento")
    assert src.config.Settings().database_url == "postgresql+psycopg2://contravento:pw@postgres:5432/contravento"
    monkeypatch.setenv("DATABASE_URL", "sqlite:///./x.db")
    assert src.config.Settings().database_url == "sqlite:///./x.db"
