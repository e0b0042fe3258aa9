"""ContraVento sample API: health, registration with an email to verify, and a few metrics.

Small on purpose: it exists so EnvDeck's sample shows every service at work (PostgreSQL stores the
user, MailHog receives the email, Prometheus scrapes /metrics, nginx proxies in dev/staging/prod).
"""

import logging
import secrets
from collections import Counter
from contextlib import asynccontextmanager

import bcrypt
import sqlalchemy as sa
from fastapi import FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from src import mailer
from src.config import settings
from src.db import engine, migrate, users

logging.basicConfig(level=logging.DEBUG if settings.debug else logging.INFO)
log = logging.getLogger("contravento")
metrics: Counter[str] = Counter()


@asynccontextmanager
async def lifespan(_: FastAPI):
    if settings.migrate_on_start:
        migrate()
    yield


app = FastAPI(
    title=settings.app_name,
    debug=settings.debug,
    lifespan=lifespan,
    # Hidden in staging and production (seeds/001 9.1): no /docs, /redoc or schema.
    docs_url="/docs" if settings.docs_enabled else None,
    redoc_url="/redoc" if settings.docs_enabled else None,
    openapi_url="/openapi.json" if settings.docs_enabled else None,
)
if settings.cors_origins:
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )


@app.middleware("http")
async def count_requests(request: Request, call_next):
    metrics["requests"] += 1
    return await call_next(request)


class Registration(BaseModel):
    username: str = Field(min_length=3, max_length=50, examples=["testuser"])
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", examples=["test@example.com"])
    password: str = Field(min_length=8, examples=["TestPass123!"])
    full_name: str | None = Field(default=None, examples=["Test User"])


class Registered(BaseModel):
    id: int
    username: str
    email: str
    verification_email_sent: bool


@app.get("/")
def root() -> dict[str, str]:
    return {"message": "Welcome to ContraVento API"}


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "healthy"}


@app.post("/auth/register", status_code=201, response_model=Registered)
def register(body: Registration) -> Registered:
    """Creates an unverified user and emails them a verification link."""
    token = secrets.token_urlsafe(32)
    password_hash = bcrypt.hashpw(body.password.encode(), bcrypt.gensalt(rounds=settings.bcrypt_rounds))
    try:
        with engine.begin() as db:
            user_id = db.execute(
                users.insert().values(
                    username=body.username,
                    email=body.email.lower(),
                    full_name=body.full_name,
                    password_hash=password_hash.decode(),
                    verification_token=token,
                )
            ).inserted_primary_key[0]
    except sa.exc.IntegrityError:
        raise HTTPException(status_code=409, detail="username or email already registered") from None
    metrics["registrations"] += 1
    sent = mailer.send_verification(body.email, body.username, token)
    return Registered(id=user_id, username=body.username, email=body.email.lower(), verification_email_sent=sent)


@app.get("/auth/verify")
def verify(token: str) -> dict[str, str]:
    with engine.begin() as db:
        done = db.execute(
            users.update()
            .where(users.c.verification_token == token)
            .values(is_verified=True, verification_token=None)
        ).rowcount
    if not done:
        raise HTTPException(status_code=404, detail="unknown or already used verification link")
    return {"status": "verified"}


@app.get("/metrics", response_class=PlainTextResponse, include_in_schema=False)
def prometheus_metrics() -> str:
    return (
        "# TYPE contravento_http_requests_total counter\n"
        f"contravento_http_requests_total {metrics['requests']}\n"
        "# TYPE contravento_registrations_total counter\n"
        f"contravento_registrations_total {metrics['registrations']}\n"
    )
