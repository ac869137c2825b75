"""``flask --app ulr_app demo-data``: build the demo world (:func:`ulr_app.demo.build_demo`).

The app factory registers it (:func:`register_cli`) after the app's own commands: the demo sits
above ``ulr_app.cli`` in the layer order, so ``ulr_app.cli`` does not import the demo.
"""
from __future__ import annotations

import os
import sys
import time

import click
from flask import Flask, g
from sqlalchemy import func, select

from ..accounts.models import User
from ..cli import _fail
from ..core.errors import ServiceError
from ..extensions import db
from . import build_demo
from .national import analyze, build_national


@click.command("demo-data")
@click.option("--scale", type=click.Choice(["small", "national"]), default="small", show_default=True)
@click.option("--seed", type=int, default=2008, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing if there are users already (for make run).")
@click.option("--logins-file", type=click.Path(dir_okay=False), help="Also write the demo logins to this file.")
@click.option("--fraction", type=click.FloatRange(0, 1), default=1.0, hidden=True,
              help="National scale: this share of the national volume (0: only the world built through the services).")
def demo_data(scale, seed, if_empty, logins_file, fraction) -> None:
    """Build a believable demo world (deterministic for a given seed).

    The national scale (every region, school and council; 250,000 learners...) is written in bulk
    in one transaction: a run stopped half-way leaves the database as it was."""
    g.audit_actor_label = "demo data"
    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        click.echo("Demo data not loaded: the database already has users.")
        return
    clock = {"start": time.monotonic()}
    try:
        if scale == "national":
            logins = _national(seed, fraction, clock)
        else:
            logins = build_demo(scale=scale, seed=seed)
    except ServiceError as exc:
        _fail(exc.message, exc.fields)
    clock["built"] = time.monotonic()
    db.session.commit()
    clock["committed"] = time.monotonic()
    if scale == "national":
        analyze()  # VACUUM ANALYZE: statistics and visibility for the bulk-loaded tables
        done = time.monotonic()
        bulk_from = clock.get("bulk", clock["built"])
        click.echo(f"National data set built in {done - clock['start']:.0f} s: the services' world "
                   f"{bulk_from - clock['start']:.0f} s, bulk rows {clock['built'] - bulk_from:.0f} s, commit "
                   f"{clock['committed'] - clock['built']:.0f} s, VACUUM ANALYZE {done - clock['committed']:.0f} s.", err=True)
    lines = [f"{role:<20} {email:<40} {password}" for role, email, password in logins]
    text = (_one_per_role(logins) + "\n\nDemo logins (role, e-mail, password):\n" + "\n".join(lines))
    click.echo(text)
    if logins_file:
        fd = os.open(logins_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text + "\n")


def _national(seed: int, fraction: float, clock: dict) -> list[tuple[str, str, str]]:
    """The national world, with a progress bar for the bulk part (on stderr)."""
    bar = None

    def on_total(n: int) -> None:
        nonlocal bar
        clock["bulk"] = time.monotonic()
        bar = click.progressbar(length=n, label="Writing the national data set", file=sys.stderr)
        bar.__enter__()

    def progress(n: int) -> None:
        if bar is not None:
            bar.update(n)

    try:
        return build_national(seed=seed, fraction=fraction, progress=progress, on_total=on_total)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


ROLE_WORDS = {"admin": "Administrator", "regional_organiser": "Regional organiser",
              "branch_convenor": "Branch convenor", "learning_rep": "ULR"}


def _one_per_role(logins) -> str:
    """The first demo login of each role, with the branch or region it belongs to: what `make run` shows."""
    first: dict[str, tuple[str, str]] = {}
    for role, email, password in logins:
        first.setdefault(role, (email, password))
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_([e for e, _ in first.values()])))}
    out = ["Demo logins, one per role (every login: instance/demo-logins.txt):"]
    for role in ROLE_WORDS:
        if role not in first:
            continue
        email, password = first[role]
        user = users.get(email)
        where = (f"{user.branch.name} branch" if user and user.branch else
                 f"{user.region.name} region" if user and user.region else "every region")
        out.append(f"  {ROLE_WORDS[role] + ':':<20} {email} / {password}  ({where})")
    return "\n".join(out)


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_data)
