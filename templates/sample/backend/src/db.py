"""The one table of the sample, and the engine for DATABASE_URL (PostgreSQL in Docker, SQLite on the host)."""

import sqlalchemy as sa

from src.config import settings

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(50), nullable=False, unique=True),
    sa.Column("email", sa.String(255), nullable=False, unique=True),
    sa.Column("full_name", sa.String(255), nullable=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("is_verified", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("verification_token", sa.String(64), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

engine = sa.create_engine(settings.database_url, pool_pre_ping=True)


def migrate() -> None:
    """Brings the schema to the latest migration, as `alembic upgrade head` does."""
    from pathlib import Path

    from alembic import command
    from alembic.config import Config

    ini = Path(__file__).resolve().parent.parent / "alembic.ini"
    config = Config(str(ini))
    config.set_main_option("script_location", str(ini.parent / "migrations"))
    command.upgrade(config, "head")
