"""Settings: safe defaults, then ULR_* environment variables, then an explicit mapping.

Every setting the product reads is named here, so the README's configuration table and
this file can be checked against each other.
"""
from __future__ import annotations

import os
import secrets
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Mapping

#: name of the setting -> (environment variable, parser)
_ENV: dict[str, tuple[str, Any]] = {
    "SQLALCHEMY_DATABASE_URI": ("ULR_DATABASE_URL", str),
    "SECRET_KEY": ("ULR_SECRET_KEY", str),
    "REDIS_URL": ("ULR_REDIS_URL", str),
    "ENV_MODE": ("ULR_ENV", str),
    "SESSION_IDLE_MINUTES": ("ULR_SESSION_IDLE_MINUTES", int),
    "SESSION_MAX_HOURS": ("ULR_SESSION_MAX_HOURS", int),
    "LOGIN_LIMIT_PER_ADDRESS": ("ULR_LOGIN_LIMIT_PER_ADDRESS", str),
    "LOGIN_LIMIT_PER_ACCOUNT": ("ULR_LOGIN_LIMIT_PER_ACCOUNT", str),
    "SURVEY_LIMIT_PER_ADDRESS": ("ULR_SURVEY_LIMIT_PER_ADDRESS", str),
    "SURVEY_MAX_RESPONSES": ("ULR_SURVEY_MAX_RESPONSES", int),
    "TRUSTED_PROXIES": ("ULR_TRUSTED_PROXIES", int),
    "PER_PAGE": ("ULR_PER_PAGE", int),
    "TIME_OFF_NOTICE_DAYS": ("ULR_TIME_OFF_NOTICE_DAYS", int),
    "TRAINING_NOTICE_DAYS": ("ULR_TRAINING_NOTICE_DAYS", int),
    "ERA_2025_COMMENCEMENT": ("ULR_ERA_2025_COMMENCEMENT", lambda v: date.fromisoformat(v)),
    "SESSION_COOKIE_SECURE": ("ULR_SECURE_COOKIES", lambda v: v.lower() in {"1", "true", "yes"}),
    "SUPPRESSION_THRESHOLD": ("ULR_SUPPRESSION_THRESHOLD", int),
    "EVIDENCE_MAX_BYTES": ("ULR_EVIDENCE_MAX_BYTES", int),
    "TWO_FACTOR_REQUIRED_ROLES": ("ULR_TWO_FACTOR_REQUIRED_ROLES",
                                  lambda v: tuple(r.strip() for r in v.split(",") if r.strip() and r.strip() != "none")),
    "TWO_FACTOR_FOR_ALL": ("ULR_TWO_FACTOR_FOR_ALL", lambda v: v.lower() in {"1", "true", "yes"}),
    "REAUTH_MINUTES": ("ULR_REAUTH_MINUTES", int),
    "API_TOKEN_DAYS": ("ULR_API_TOKEN_DAYS", int),
    "SMTP_HOST": ("ULR_SMTP_HOST", str),
    "SMTP_PORT": ("ULR_SMTP_PORT", int),
    "SMTP_USER": ("ULR_SMTP_USER", str),
    "SMTP_PASSWORD": ("ULR_SMTP_PASSWORD", str),
    "SMTP_TLS": ("ULR_SMTP_TLS", lambda v: v.strip().lower()),
    "MAIL_FROM": ("ULR_MAIL_FROM", str),
    "BASE_URL": ("ULR_BASE_URL", lambda v: v.strip().rstrip("/")),
    "RETENTION_YEARS": ("ULR_RETENTION_YEARS", lambda v: _retention_setting(v)),
}

#: how the app talks to the SMTP server (ULR_SMTP_TLS)
SMTP_TLS_MODES = ("starttls", "ssl", "none")


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


def _retention_setting(value: str) -> dict[str, int]:
    """``learners=7,audit_entries=10`` -> {"learners": 7, "audit_entries": 10} (checked in finalise)."""
    out: dict[str, Any] = {}
    for part in (p.strip() for p in value.split(",") if p.strip()):
        key, sep, years = part.partition("=")
        if not sep or not years.strip().isdigit():
            raise ConfigError(f"ULR_RETENTION_YEARS: write each record type as name=years, like learners=6 "
                              f"(not {part!r})")
        out[key.strip()] = int(years)
    return out


def defaults() -> dict[str, Any]:
    return {
        "ENV_MODE": "development",  # "production" refuses a missing secret key
        "DEBUG": False,
        "TESTING": False,
        "SQLALCHEMY_DATABASE_URI": None,  # default: SQLite in the instance folder
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SECRET_KEY": None,
        "REDIS_URL": None,  # set at scale: rate limits and the job queue
        "SESSION_IDLE_MINUTES": 30,
        "SESSION_MAX_HOURS": 12,
        "LOGIN_LIMIT_PER_ADDRESS": "20 per 10 minutes",
        "LOGIN_LIMIT_PER_ACCOUNT": "5 per 10 minutes",
        #: learning needs surveys answered without signing in: answers sent from one address, and answers a
        #: survey takes at most
        "SURVEY_LIMIT_PER_ADDRESS": "10 per hour",
        "SURVEY_MAX_RESPONSES": 2000,
        "TRUSTED_PROXIES": 0,
        "PER_PAGE": 25,
        #: notice expected for a time-off request, in days (training and learner release: the second)
        "TIME_OFF_NOTICE_DAYS": 7,
        "TRAINING_NOTICE_DAYS": 21,
        #: Employment Rights Act 2025: six-month tribunal limit for failures on or after this day
        "ERA_2025_COMMENCEMENT": date(2026, 10, 1),
        "API_MAX_PER_PAGE": 500,
        #: equality and survey reports: counts from 1 to this - 1 are shown as "<5"
        "SUPPRESSION_THRESHOLD": 5,
        #: Go Award evidence uploads: the largest file accepted
        "EVIDENCE_MAX_BYTES": 10 * 1024 * 1024,
        #: two-factor sign-in: these roles must set it up (ULRs may); "for all" requires it of everyone
        "TWO_FACTOR_REQUIRED_ROLES": ("admin", "regional_organiser", "branch_convenor"),
        "TWO_FACTOR_FOR_ALL": False,
        #: changing e-mail, password or second factor needs the password (and code) this recently
        "REAUTH_MINUTES": 15,
        #: a new API token works for this many days
        "API_TOKEN_DAYS": 365,
        #: e-mail (reminder digests): no SMTP host -> each message is written to the log and the outbox page
        "SMTP_HOST": None,
        "SMTP_PORT": None,  # default: 587 (starttls), 465 (ssl), 25 (none)
        "SMTP_USER": None,
        "SMTP_PASSWORD": None,
        "SMTP_TLS": "starttls",
        "MAIL_FROM": None,  # required with SMTP_HOST
        #: the start of the links in e-mails (they are read outside the app, so they must be absolute)
        "BASE_URL": "http://127.0.0.1:5000",
        #: a message the SMTP server refused is tried again after these many seconds, one delay per
        #: retry; after the last it is marked failed
        "MAIL_RETRY_SECONDS": (60, 300, 1800, 7200),
        #: `flask reminders` (no worker) waits at most this long for a retry before it exits
        "MAIL_WAIT_SECONDS": 120,
        #: seconds to wait for the SMTP server to answer
        "SMTP_TIMEOUT": 30,
        #: retention, in years, per record type, over the defaults (dataprotection/rules.RETENTION_DEFAULTS)
        "RETENTION_YEARS": {},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_NAME": "ulr_session",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the server-side session
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST": 65536,
    }


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, (var, parse) in _ENV.items():
        if environ.get(var):
            try:
                out[key] = parse(environ[var])
            except ValueError as exc:
                raise ConfigError(f"{var} is not valid: {exc}") from exc
    return out


def finalise(config: dict[str, Any], instance_path: Path) -> dict[str, Any]:
    """Fill what depends on the instance folder and refuse unsafe production settings."""
    production = config.get("ENV_MODE") == "production"
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        if production:
            raise ConfigError("ULR_DATABASE_URL must be set in production.")
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance_path / 'ulr.db'}"
    uri = config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):
        uri = "postgresql://" + uri[len("postgres://"):]
    if uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri[len("postgresql://"):]
    config["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("sqlite"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    elif uri.startswith("postgresql"):
        # JIT compilation pays off for long analytical queries, not for a web app's short ones: on the
        # national data set a mis-estimated plan spent 1.8 s compiling before it ran (issue 13).
        # TimeZone=UTC: the app stores and reads UTC; with the server's own zone name (Debian's 'Etc/UTC')
        # psycopg hands back datetimes in a ZoneInfo, and converting each to UTC cost 35 microseconds: 5 ms
        # of a 25 ms list page. Named 'UTC', they come back in datetime.timezone.utc, and that is free.
        # random_page_cost=1.1: the usual setting for a database on SSD or in memory (the default, 4, prices
        # an index lookup as a disk seek). With it PostgreSQL looks up a page's 25 to 150 rows' ULRs and
        # workplaces by index instead of hashing all 5,000 ULRs of the country first (issue 13)
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("options", "-c jit=off -c TimeZone=UTC -c random_page_cost=1.1")
        options["connect_args"] = connect_args
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not config.get("SECRET_KEY"):
        if production:
            raise ConfigError("ULR_SECRET_KEY must be set in production (at least 32 characters).")
        config["SECRET_KEY"] = instance_secret_key(instance_path)
    if production and len(str(config["SECRET_KEY"])) < 32:
        raise ConfigError("ULR_SECRET_KEY is too short for production (at least 32 characters).")
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=config["SESSION_MAX_HOURS"])
    _check_mail(config, production)
    return config


def _check_mail(config: dict[str, Any], production: bool) -> None:
    """Refuse e-mail settings that cannot work, at start-up rather than at the first digest."""
    tls = str(config.get("SMTP_TLS") or "starttls").strip().lower()
    if tls not in SMTP_TLS_MODES:
        raise ConfigError(f"ULR_SMTP_TLS must be one of {', '.join(SMTP_TLS_MODES)} (not {config.get('SMTP_TLS')!r}).")
    config["SMTP_TLS"] = tls
    port = config.get("SMTP_PORT")
    if port is not None and not (isinstance(port, int) and 0 < port < 65536):
        raise ConfigError(f"ULR_SMTP_PORT must be a port number from 1 to 65535 (not {port!r}).")
    base = str(config.get("BASE_URL") or "")
    if not base.startswith(("http://", "https://")):
        raise ConfigError(f"ULR_BASE_URL must start with http:// or https:// (not {base!r}).")
    if not config.get("SMTP_HOST"):
        return
    sender = str(config.get("MAIL_FROM") or "")
    if "@" not in sender:
        raise ConfigError("ULR_MAIL_FROM must be set to the address the reminder e-mails come from "
                          "(like ULR Case Manager <ulr@branch.example.org>) when ULR_SMTP_HOST is set.")
    if bool(config.get("SMTP_USER")) != bool(config.get("SMTP_PASSWORD")):
        raise ConfigError("Set both ULR_SMTP_USER and ULR_SMTP_PASSWORD, or neither.")
    if production and config.get("SMTP_PASSWORD") and tls == "none":
        raise ConfigError("ULR_SMTP_TLS=none would send ULR_SMTP_PASSWORD unencrypted: use starttls or ssl.")


def instance_secret_key(instance_path: Path) -> str:
    """Read the key generated on first run into the instance folder, or generate it now."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
