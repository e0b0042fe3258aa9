"""Creates (or re-verifies) a test user, as seeds/001 3.1.3 lists them: `testuser` / `TestPass123!`.

Development data only: EnvDeck offers this task in local environments, never in staging or prod.
Usage: python scripts/create_verified_user.py [--username U] [--email E] [--password P]
"""

import argparse
import sys
from pathlib import Path

import bcrypt
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from src.config import settings  # noqa: E402
from src.db import engine, migrate, users  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--username", default="testuser")
    parser.add_argument("--email", default="test@example.com")
    parser.add_argument("--password", default="TestPass123!")
    args = parser.parse_args()
    migrate()
    password_hash = bcrypt.hashpw(args.password.encode(), bcrypt.gensalt(rounds=settings.bcrypt_rounds)).decode()
    with engine.begin() as db:
        existing = db.execute(sa.select(users.c.id).where(users.c.email == args.email)).first()
        if existing:
            db.execute(users.update().where(users.c.id == existing.id).values(is_verified=True, verification_token=None))
            print(f"{args.email} already existed: marked verified")
            return
        db.execute(
            users.insert().values(
                username=args.username, email=args.email, password_hash=password_hash, is_verified=True
            )
        )
    print(f"created verified user {args.username} <{args.email}>")


if __name__ == "__main__":
    main()
