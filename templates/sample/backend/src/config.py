"""Settings from the environment: EnvDeck (or docker compose) sets them from .env.<env> and the keychain."""

import os
import secrets
import sys
from dataclasses import dataclass, field


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    # Still usable for a first look, but every restart signs out everyone: say so.
    print("warning: SECRET_KEY is not set; using a random key for this process", file=sys.stderr)
    return secrets.token_urlsafe(64)


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "sqlite:///./contravento_dev.db")
    # A plain postgresql:// URL lets SQLAlchemy pick the driver, and 2.1 picks psycopg 3, which this
    # backend does not install: name the one requirements.txt ships (psycopg2-binary).
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg2://" + url[len(plain) :]
    return url


@dataclass(frozen=True)
class Settings:
    app_name: str = field(default_factory=lambda: os.environ.get("APP_NAME", "ContraVento"))
    app_env: str = field(default_factory=lambda: os.environ.get("APP_ENV", "development"))
    debug: bool = field(default_factory=lambda: _bool("DEBUG", False))
    # Docs follow DEBUG unless said otherwise: a production API never shows them by accident.
    docs_enabled: bool = field(default_factory=lambda: _bool("DOCS_ENABLED", _bool("DEBUG", False)))
    secret_key: str = field(default_factory=_secret_key)
    database_url: str = field(default_factory=_database_url)
    bcrypt_rounds: int = field(default_factory=lambda: int(os.environ.get("BCRYPT_ROUNDS", "12")))
    cors_origins: list[str] = field(default_factory=lambda: _list("CORS_ORIGINS"))
    app_base_url: str = field(default_factory=lambda: os.environ.get("APP_BASE_URL", "http://127.0.0.1:8000"))
    smtp_host: str = field(default_factory=lambda: os.environ.get("SMTP_HOST", ""))
    smtp_port: int = field(default_factory=lambda: int(os.environ.get("SMTP_PORT", "587") or "587"))
    smtp_user: str = field(default_factory=lambda: os.environ.get("SMTP_USER", ""))
    smtp_password: str = field(default_factory=lambda: os.environ.get("SMTP_PASSWORD", ""))
    smtp_from: str = field(default_factory=lambda: os.environ.get("SMTP_FROM", "noreply@contravento.example"))
    smtp_tls: bool = field(default_factory=lambda: _bool("SMTP_TLS", True))
    migrate_on_start: bool = field(default_factory=lambda: _bool("MIGRATE_ON_START", True))


settings = Settings()
