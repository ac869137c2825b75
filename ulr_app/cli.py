"""``flask --app ulr_app ...`` commands. Each one commits once at the end, or not at all."""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app, g
from flask.cli import AppGroup
from sqlalchemy import func, select

from .accounts import services
from .accounts.models import User
from .core import jobs
from .core import reminders as reminder_registry
from .core.errors import ServiceError
from .extensions import db
from .mail import services as mail
from .organisation.models import Branch
from .imports import services as imports
from .imports.rules import FORMATS as IMPORT_FORMATS
from .imports.rules import KINDS as IMPORT_KINDS
from .imports.rules import file_format
from .organisation.schools_import import ImportFailed, import_schools
from .reference.loader import load_all


def _fail(message: str, fields: dict | None = None) -> None:
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    for name, problems in (fields or {}).items():
        for problem in problems:
            click.echo(f"  {name}: {problem}", err=True)
    sys.exit(1)


reference_cli = AppGroup("reference", help="Reference data: regions, local authorities, vocabularies.")
users_cli = AppGroup("users", help="Create users and API tokens.")
schools_cli = AppGroup("schools", help="Import schools from a GIAS extract.")


@reference_cli.command("load")
def reference_load() -> None:
    """Load (or refresh) regions, local authorities, staff categories, barriers and levels."""

    g.audit_actor_label = "command line"
    added = load_all()
    db.session.commit()
    click.echo("Reference data loaded: " + ", ".join(f"{n} new {k.replace('_', ' ')}" for k, n in added.items()))


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "regional_organiser", "branch_convenor", "learning_rep"]))
@click.option("--region-id", type=int)
@click.option("--branch-id", type=int)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of generating one.")
def users_create(email, name, role, region_id, branch_id, password_stdin) -> None:
    """Create a user; prints a generated password unless --password-stdin is given."""

    g.audit_actor_label = "command line"
    generated = not password_stdin
    password = services.generate_password() if generated else sys.stdin.readline().rstrip("\r\n")
    try:
        user = services.create_user(
            {"email": email, "name": name, "role": role, "region_id": region_id, "branch_id": branch_id},
            password=password,
        )
    except ServiceError as exc:
        _fail(exc.message, exc.fields)
    db.session.commit()
    click.echo(f"Created user {user.id}: {user.email} ({user.role_label})")
    if generated:
        click.echo(f"Password: {password}")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="command line", show_default=True, help="What the token is for.")
def users_token(email, name) -> None:
    """Print a new API token for EMAIL (only its hash is stored)."""

    g.audit_actor_label = "command line"
    user = db.session.scalars(select(User).where(func.lower(User.email) == services.normalise_email(email))).first()
    if user is None:
        _fail(f"No user with the e-mail address {email}")
    try:
        _token, secret = services.create_token(user, name)
    except ServiceError as exc:
        _fail(exc.message, exc.fields)
    db.session.commit()
    click.echo(secret)


@schools_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--employer-id", type=int, help="Attach every school to this employer.")
@click.option("--match-la", is_flag=True, help="Attach each school to the local-authority employer with its LA code.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows and report the rows skipped.")
@click.option("--dry-run", is_flag=True, help="Check the file and report, without saving anything.")
def schools_import(path, employer_id, match_la, skip_invalid, dry_run) -> None:
    """Create or update school workplaces by URN from a GIAS CSV extract."""

    g.audit_actor_label = "command line"
    if bool(employer_id) == bool(match_la):
        _fail("Give either --employer-id E or --match-la")
    try:
        result = import_schools(path, employer_id=employer_id, match_la=match_la, skip_invalid=skip_invalid)
    except ImportFailed as exc:
        db.session.rollback()
        click.echo(exc.report(), err=True)
        sys.exit(1)
    if dry_run:
        db.session.rollback()
        click.echo(result.report() + "\nDry run: nothing was saved.")
        return
    db.session.commit()
    click.echo(result.report())


@click.command("import")
@click.argument("kind", type=click.Choice(list(IMPORT_KINDS)))
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--branch-id", type=int, required=True, help="The branch whose records these are.")
@click.option("--dry-run", is_flag=True, help="Check every row and say what would happen, saving nothing.")
def import_command(kind, path, branch_id, dry_run) -> None:
    """Import learners (with their enrolment history), reps (ULR appointments) or agreements for a branch from a
    CSV or XLSX file whose columns are the API's field names. All rows or none: any problem is listed by row and
    column and nothing is saved (exit status 1). Rows update the branch's records with the same reference."""

    g.audit_actor_label = "command line"
    branch = db.session.get(Branch, branch_id)
    if branch is None:
        _fail(f"There is no branch {branch_id}")
    try:
        with open(path, "rb") as handle:
            content = handle.read(imports.max_bytes() + 1)
    except OSError as exc:
        _fail(f"The file cannot be read: {exc.strerror or exc}")
    fmt, problem = file_format(path, content, imports.max_bytes())
    if problem:
        _fail(problem)
    outcome = imports.run_import(kind, content, fmt, branch, apply=not dry_run,
                                 progress=lambda p: None)
    if not outcome.ok:
        db.session.rollback()
        click.echo(f"{IMPORT_KINDS[kind]} from {path} ({IMPORT_FORMATS[fmt]}): nothing was imported.", err=True)
        click.echo(outcome.report(), err=True)
        sys.exit(1)
    if dry_run:
        db.session.rollback()
        click.echo(outcome.report() + "\nDry run: nothing was saved.")
        return
    imports.record_cli_run(kind, path, db.session.get(Branch, branch_id), outcome)
    imports.analyse()
    db.session.commit()
    click.echo(outcome.report() + "\nImported.")


@click.command("reminders")
@click.option("--date", "as_of", metavar="DATE",
              help="Run as of this day instead of today, written year first as a cron job passes it: 2026-03-31.")
@click.option("--dry-run", is_flag=True, help="Print the new reminders without recording them as sent.")
@click.option("--all", "show_all", is_flag=True, help="Print the reminders already sent too.")
def reminders(as_of, dry_run, show_all) -> None:
    """List the reminders due (for a daily cron), each only once, grouped by branch, and e-mail them.

    Prints each new reminder with the branch convenors to tell, queues each convenor's and regional
    organiser's daily e-mail (unless they chose none on their account page) and records the reminders
    as sent, so the next run does not repeat them. Then sends the e-mail queue before it exits, unless
    a worker (ULR_REDIS_URL) is listening, which then sends it. A --date in the future only shows what
    would be due then: nothing is recorded or e-mailed.
    """
    import re
    from datetime import date

    today = date.today()
    if as_of is not None:
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", as_of.strip()):
                raise ValueError(as_of)
            today = date.fromisoformat(as_of.strip())
        except ValueError:
            _fail(f"--date must be a real date as YYYY-MM-DD, like 2026-03-31 (not {as_of!r})")
    future = today > date.today()
    notices = reminder_registry.due(today)
    sent = reminder_registry.already_sent(db.session, (n.key for n in notices))
    new = [n for n in notices if n.key not in sent]
    shown = notices if show_all else new
    if not shown:
        db.session.rollback()
        click.echo(f"No new reminders{'' if as_of is None else ' for ' + today.isoformat()}.")
        if not (dry_run or future):
            _send_outbox()
        return

    branch_ids = sorted({n.branch_id for n in shown})
    branches = {b.id: b for b in db.session.scalars(select(Branch).where(Branch.id.in_(branch_ids)))}
    convenors: dict[int, list[User]] = {}
    for user in db.session.scalars(select(User).where(User.branch_id.in_(branch_ids), User.role == "branch_convenor",
                                                      User.active.is_(True)).order_by(User.name, User.id)):
        convenors.setdefault(user.branch_id, []).append(user)

    heading = f"Reminders for {today.isoformat()}: {len(new)} new"
    click.echo(heading + (f", {len(shown) - len(new)} already sent" if show_all else "") + ".")
    for branch_id in sorted(branch_ids, key=lambda b: (branches[b].name if b in branches else "", b)):
        branch = branches.get(branch_id)
        tell = ", ".join(f"{u.name} <{u.email}>" for u in convenors.get(branch_id, [])) \
            or "nobody: the branch has no active convenor (tell the regional organiser)"
        click.echo("")
        click.echo(f"{branch.name if branch else f'Branch {branch_id}'} branch. Tell: {tell}")
        for n in (n for n in shown if n.branch_id == branch_id):
            done = " (already sent)" if n.key in sent else ""
            click.echo(f"  - {n.label}{done}: {n.subject} ({n.subject_kind}), due {n.due_on.isoformat()}. {n.message}.")
    if dry_run or future:
        db.session.rollback()
        click.echo("\nDry run: nothing was recorded as sent." if dry_run else
                   f"\n{today.isoformat()} is in the future: this is what will be due then. Nothing was recorded "
                   "as sent and no e-mail was queued.")
        return
    queued = mail.queue_digests(db.session, new, today)
    told = [n.key for n in new if n.key not in queued.held_back]
    if told:
        reminder_registry.record_sent(db.session, told)
    db.session.commit()
    count = len(queued.messages)
    click.echo(f"\nE-mail: {count} reminder e-mail{'s' if count != 1 else ''} queued"
               + (f"; {queued.chose_none} {'person' if queued.chose_none == 1 else 'people'} chose no reminder e-mails"
                  if queued.chose_none else "")
               + (f"; {queued.already} already had today's e-mail, so {len(queued.held_back)} reminder"
                  f"{'s wait' if len(queued.held_back) != 1 else ' waits'} for tomorrow's" if queued.already else "")
               + ".")
    _send_outbox()


def _send_outbox() -> None:
    """Send the e-mail queue (or hand it to the worker) and say what became of it."""
    outcome = mail.deliver()
    if outcome is None:
        click.echo("E-mail: the worker is sending the queue.")
    elif any(outcome.values()):
        click.echo(f"E-mail: {outcome['sent']} sent, {outcome['logged']} written to the log (no e-mail server set), "
                   f"{outcome['retry']} to try again later, {outcome['failed']} failed"
                   + (" (see the outbox page)." if outcome["retry"] or outcome["failed"] else "."))


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="List what is past its time and why; change nothing.")
@click.option("--apply", is_flag=True, help="Anonymise or delete what is past its time (legal holds are kept).")
@click.option("--date", "as_of", metavar="DATE", help="Run as of this day instead of today: 2026-03-31.")
def retention_command(dry_run, apply, as_of) -> None:
    """Anonymise or delete records kept longer than the retention periods (safe to run daily from cron,
    and twice at once)."""
    import re
    from datetime import date

    from .dataprotection import retention, rules as dp_rules

    if dry_run == apply:
        _fail("Choose one: --dry-run to list what would go, or --apply to anonymise or delete it.")
    today = date.today()
    if as_of is not None:
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", as_of.strip()):
                raise ValueError(as_of)
            today = date.fromisoformat(as_of.strip())
        except ValueError:
            _fail(f"--date must be a real date as YYYY-MM-DD, like 2026-03-31 (not {as_of!r})")
    try:
        dp_rules.retention_years(current_app.config.get("RETENTION_YEARS"))
    except ValueError as exc:
        _fail(f"ULR_RETENTION_YEARS: {exc}")
    result = retention.run(apply=apply, today=today, settings=current_app.config.get("RETENTION_YEARS"))
    for line in result.lines:
        click.echo(line)
    if result.lines:
        click.echo("")
    click.echo(result.report())
    # uploaded spreadsheets never imported (personal data in the instance folder): deleted after 30 days
    from .imports import services as import_services

    stale = import_services.forget_unimported_files(today, apply=apply)
    db.session.commit() if apply else db.session.rollback()
    if stale:
        click.echo(f"Uploaded import files not imported within {import_services.UNIMPORTED_FILE_DAYS} days: {len(stale)} "
                   + ("deleted." if apply else "would be deleted (" + ", ".join(f"import {r.id}" for r in stale) + ")."))
    if dry_run:
        click.echo("Dry run: nothing was changed.")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Do the jobs waiting now, then stop (instead of waiting for more).")
def worker(burst) -> None:
    """Run a background-job worker (RQ) for report files; needs ULR_REDIS_URL.

    Runs beside gunicorn at scale: the pages queue PDFs and spreadsheets on Redis and this does
    them, one at a time, inside the app (start as many as needed). Without ULR_REDIS_URL jobs run
    in a thread of the web process instead and no worker is needed.
    """
    from flask import current_app
    from redis import Redis
    from redis.exceptions import RedisError

    url = current_app.config.get("REDIS_URL")
    if not url:
        _fail("ULR_REDIS_URL is not set, so there is no job queue to work on. Set it to the Redis the web "
              "workers use (e.g. redis://127.0.0.1:6379/0); without it, jobs run inside the web process.")
    if current_app.config.get("JOBS_IN_PROCESS"):
        _fail("JOBS_IN_PROCESS is set, so the web process runs its own jobs and queues nothing for a worker.")
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    shown = parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")).geturl() \
        if parts.hostname else url.split("@")[-1]
    connection = Redis.from_url(url)
    try:
        connection.ping()
    except (RedisError, OSError) as exc:
        _fail(f"Cannot reach Redis at {shown}: {exc}")
    queue = jobs.queue(current_app)
    click.echo(f"Worker listening on the queue {jobs.QUEUE_NAME!r} at {shown}"
               + (" (burst: it stops when the queue is empty)." if burst else ". Stop it with Ctrl+C."))
    # the scheduler starts the delayed tasks: an e-mail tried again after the SMTP server refused it
    jobs.worker([queue], connection).work(burst=burst, with_scheduler=True)
    if burst:
        click.echo("Queue empty: worker stopped.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path: str) -> None:
    """Back up the database to PATH (SQLite: online copy; PostgreSQL: pg_dump custom format)."""
    from .core import backup as backups

    try:
        written = backups.backup(db.engine, path)
    except backups.BackupFailed as exc:
        _fail(str(exc))
    click.echo(f"Backed up {backups.describe(db.engine)['database']} to {written}. "
               "Back up the instance folder's documents too.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: str, yes: bool) -> None:
    """Replace the database with the backup at PATH. Stop the app and the report worker first."""
    from .core import backup as backups

    if not yes:
        click.confirm(f"Replace everything in {backups.describe(db.engine)['database']} with {path}?", abort=True)
    db.session.remove()
    try:
        backups.restore(db.engine, path)
    except backups.BackupFailed as exc:
        _fail(str(exc))
    click.echo(f"Restored {backups.describe(db.engine)['database']} from {path}.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(reference_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(schools_cli)
    app.cli.add_command(import_command)
    app.cli.add_command(reminders)
    app.cli.add_command(worker)
    app.cli.add_command(retention_command)
