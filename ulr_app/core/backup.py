"""Backing up and restoring the database (``flask --app ulr_app backup PATH`` / ``restore PATH``).

SQLite: the sqlite3 online backup API, a consistent copy taken while the app keeps running.
PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists --single-transaction``,
so a restore that fails half-way changes nothing. The password travels in ``PGPASSWORD``, never
on the command line (where ``ps`` would show it).

Uploaded files (signed agreements, evidence) live in the instance folder, not in the database:
back that folder up beside the database.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine, make_url


class BackupFailed(RuntimeError):
    """The backup or restore could not be made; the message says why, in plain words."""


def _sqlite_file(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupFailed("This SQLite database is in memory: there is no file to back up.")
    return Path(database)


def _pg_connection(engine: Engine) -> tuple[list[str], dict[str, str]]:
    url = make_url(str(engine.url.render_as_string(hide_password=False)))
    args = []
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    args += ["--dbname", url.database or ""]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupFailed(f"{name} is not installed (it comes with the PostgreSQL client tools).")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupFailed(f"{Path(command[0]).name} failed: {(done.stderr or done.stdout).strip()[:2000]}")


def backup(engine: Engine, path: str | os.PathLike[str]) -> Path:
    """Write a backup of the database behind ``engine`` to ``path``; returns the path."""
    target = Path(path)
    if target.parent and not target.parent.exists():
        raise BackupFailed(f"The folder {target.parent} does not exist.")
    dialect = engine.dialect.name
    if dialect == "sqlite":
        source = sqlite3.connect(str(_sqlite_file(engine)))
        copy = sqlite3.connect(str(target))
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
    elif dialect == "postgresql":
        args, env = _pg_connection(engine)
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *args], env)
    else:  # pragma: no cover - only the two supported databases
        raise BackupFailed(f"Backups of {dialect} databases are not supported.")
    return target


def restore(engine: Engine, path: str | os.PathLike[str]) -> None:
    """Replace the database behind ``engine`` with the backup at ``path``. Stop the app (and the
    report worker) first: their connections would see the data change under them."""
    source_path = Path(path)
    if not source_path.is_file():
        raise BackupFailed(f"There is no backup file at {source_path}.")
    engine.dispose()  # no pooled connection keeps reading the old data
    dialect = engine.dialect.name
    if dialect == "sqlite":
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        try:
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            source.close()
            raise BackupFailed(f"{source_path} is not an SQLite backup: {exc}") from exc
        live = sqlite3.connect(str(_sqlite_file(engine)))
        try:
            with live:
                source.backup(live)
        finally:
            live.close()
            source.close()
    elif dialect == "postgresql":
        args, env = _pg_connection(engine)
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--exit-on-error", *args, str(source_path)], env)
    else:  # pragma: no cover
        raise BackupFailed(f"Restoring {dialect} databases is not supported.")
    engine.dispose()


def describe(engine: Engine) -> dict[str, Any]:
    """Where the backup comes from, for the command's message (no password)."""
    return {"dialect": engine.dialect.name, "database": engine.url.render_as_string(hide_password=True)}
