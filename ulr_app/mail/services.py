"""The e-mail outbox: queue each user's reminder digest, and send what is queued.

Every message is a row (:class:`OutboxMessage`) before anything is sent. A sender *claims* a message
with one ``UPDATE ... WHERE status = 'queued'`` and commits before it talks to the SMTP server, so two
senders (two worker processes, or a worker and ``flask reminders``) never send one message twice; a
sender that dies while sending leaves the message "sending", which is later marked failed (it may have
arrived) rather than sent again. A refusal worth retrying (a 4xx answer, a dropped connection) puts the
message back in the queue after a delay that grows (``MAIL_RETRY_SECONDS``); after the last delay, or
on a permanent refusal (5xx), it is failed. With no ``SMTP_HOST`` set, each message is written to the
app's log and marked "logged", so the embedded default works without an e-mail server.

Digests carry what needs doing, with links, and the names of the people concerned; never equality,
disability, ethnicity or membership details, nor free text (a case's summary) that may hold them.
"""
from __future__ import annotations

import smtplib
import ssl
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any, Iterable, Mapping, Optional
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from ..accounts.models import User
from ..core import audit, jobs
from ..core.models import utcnow
from ..core.permissions import BRANCH_CONVENOR, REGIONAL_ORGANISER
from ..core.reminders import RECORD_PAGES, Notice
from ..extensions import db
from ..organisation.models import Branch
from . import rules
from .models import OutboxMessage

SEND_TASK = "mail.send_outbox"
#: a message claimed longer ago than this and still "sending" was interrupted (the sender stopped)
INTERRUPTED_AFTER = timedelta(minutes=15)
INTERRUPTED = ("The sender stopped while sending this e-mail, so it may or may not have arrived. "
               "It was not sent again, so that nobody gets it twice.")


# --- queueing the digests -------------------------------------------------------------------------

@dataclass
class Queued:
    """What :func:`queue_digests` did."""

    messages: list[OutboxMessage] = field(default_factory=list)
    #: users with something new who chose no reminder e-mails
    chose_none: int = 0
    #: users whose digest for the day was queued by an earlier run: their new notices wait for tomorrow's
    already: int = 0
    #: keys of notices held back for tomorrow (one of their readers already had today's digest)
    held_back: set[str] = field(default_factory=set)


def absolute_url(endpoint: str, anchor: str = "", **values: Any) -> str:
    """A link for an e-mail: ``BASE_URL`` and the page's path (e-mails are read outside the app)."""
    parts = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True) + (f"#{anchor}" if anchor else "")


def _line(notice: Notice, branch_names: Mapping[int, str]) -> rules.DigestLine:
    link = None
    if notice.record is not None and notice.record[0] in RECORD_PAGES:
        endpoint, arg = RECORD_PAGES[notice.record[0]]
        link = absolute_url(endpoint, **{arg: notice.record[1]})
    what = f"{notice.email_subject} ({notice.subject_kind})" if notice.email_subject else notice.subject_kind
    return rules.DigestLine(branch=branch_names.get(notice.branch_id, f"Branch {notice.branch_id}"), label=notice.label,
                            what=what, due_on=notice.due_on, message=notice.message, link=link)


def readers(session) -> list[tuple[User, list[int]]]:
    """Who is told about which branches' reminders: each active convenor their branch's, each active
    regional organiser their region's branches' (as their home pages show them)."""
    users = session.scalars(select(User).where(User.active.is_(True), or_(
        and_(User.role == BRANCH_CONVENOR, User.branch_id.is_not(None)),
        and_(User.role == REGIONAL_ORGANISER, User.region_id.is_not(None)))).order_by(User.id)).all()
    regions: dict[int, list[int]] = {}
    if any(u.role == REGIONAL_ORGANISER for u in users):
        for branch_id, region_id in session.execute(select(Branch.id, Branch.region_id).order_by(Branch.id)):
            regions.setdefault(region_id, []).append(branch_id)
    return [(u, [u.branch_id] if u.role == BRANCH_CONVENOR else regions.get(u.region_id, [])) for u in users]


def queue_digests(session, notices: Iterable[Notice], today: date) -> Queued:
    """Queue one digest for ``today`` for each reader with new ``notices`` who chose the daily e-mail.
    Flushes, never commits. A reader whose digest for ``today`` is already queued gets no second one:
    the notices they would miss are in :attr:`Queued.held_back` (not to be recorded as told yet)."""
    by_branch: dict[int, list[Notice]] = {}
    for notice in notices:
        by_branch.setdefault(notice.branch_id, []).append(notice)
    out = Queued()
    if not by_branch:
        return out
    branch_names = dict(session.execute(select(Branch.id, Branch.name).where(Branch.id.in_(list(by_branch)))).all())
    had = set(session.scalars(select(OutboxMessage.user_id).where(OutboxMessage.digest_date == today)))
    for user, branch_ids in readers(session):
        mine = [n for b in branch_ids for n in by_branch.get(b, ())]
        if not mine:
            continue
        if user.email_reminders != "digest":
            out.chose_none += 1
            continue
        if user.id in had:
            out.already += 1
            out.held_back.update(n.key for n in mine)
            continue
        subject, body = rules.digest(user.name, today, [_line(n, branch_names) for n in mine],
                                     profile_link=absolute_url("accounts.profile", anchor="email-reminders"))
        message = OutboxMessage(to_address=user.email, subject=subject, body=body, status="queued", attempts=0,
                                user_id=user.id, digest_date=today)
        session.add(message)
        out.messages.append(message)
    if out.messages:
        session.flush()
        audit.record(session, "create", None, object_type="outbox_message", object_id=None,
                     summary=f"Queued {len(out.messages)} reminder e-mail{'s' if len(out.messages) != 1 else ''} "
                             f"for {rules.uk(today)}",
                     changes={"messages": (None, [m.id for m in out.messages])})
    return out


# --- sending ---------------------------------------------------------------------------------------

def _claim(session, message_id: int, now: datetime) -> bool:
    """Take a queued message for this sender, atomically: only one sender's UPDATE finds it queued."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "queued")
        .values(status="sending", attempts=OutboxMessage.attempts + 1, claimed_at=now)
        .execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount == 1


def _give_up_interrupted(session, now: datetime) -> int:
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - INTERRUPTED_AFTER)
        .values(status="failed", last_error=INTERRUPTED)
        .execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount or 0


def _connect(config: Mapping[str, Any]) -> smtplib.SMTP:
    tls = config["SMTP_TLS"]
    host, port, timeout = config["SMTP_HOST"], rules.smtp_port(tls, config.get("SMTP_PORT")), config["SMTP_TIMEOUT"]
    if tls == "ssl":
        connection: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if tls == "starttls":
            connection.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USER"):
            connection.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
    except BaseException:
        connection.close()  # no STARTTLS, or the login refused: nothing is sent, and the socket is not left open
        raise
    return connection


def _close(connection: Optional[smtplib.SMTP]) -> None:
    if connection is None:
        return
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def email_of(message: OutboxMessage, config: Mapping[str, Any]) -> EmailMessage:
    sender = config["MAIL_FROM"]
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain=domain)
    email.set_content(message.body)
    return email


def _smtp_code(exc: BaseException) -> Optional[int]:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in exc.recipients.values()]
        return codes[0] if codes else None
    code = getattr(exc, "smtp_code", None)
    return code if isinstance(code, int) and code > 0 else None


def _describe(exc: BaseException) -> str:
    code = _smtp_code(exc)
    text = getattr(exc, "smtp_error", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        text = next(iter(exc.recipients.values()))[1]
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if code is not None:
        return f"The e-mail server answered {code}: {text or ''}".strip()[:1000]
    return f"Could not talk to the e-mail server ({exc.__class__.__name__}: {exc})"[:1000]


def send_due(now: Optional[datetime] = None) -> Counter:
    """Send (or, with no SMTP host, log) every queued message that is due at ``now``. Commits after
    each message. Returns how many were sent, logged, put back for a retry, and failed."""
    config = current_app.config
    session = db.session
    now = now or utcnow()
    counts: Counter = Counter()
    counts["interrupted"] = _give_up_interrupted(session, now)
    ids = session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.status == "queued",
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
        .order_by(OutboxMessage.id)).all()
    session.commit()
    connection: Optional[smtplib.SMTP] = None
    try:
        for message_id in ids:
            if not _claim(session, message_id, now):
                continue  # another sender took it
            message = session.get(OutboxMessage, message_id)
            if not config.get("SMTP_HOST"):
                current_app.logger.warning(
                    "E-mail not sent (ULR_SMTP_HOST is not set), kept in the outbox as message %s.\n"
                    "To: %s\nSubject: %s\n\n%s", message.id, message.to_address, message.subject, message.body)
                message.status, message.sent_at = "logged", utcnow()
                session.commit()
                counts["logged"] += 1
                continue
            try:
                if connection is None:
                    connection = _connect(config)
                connection.send_message(email_of(message, config))
            except (smtplib.SMTPException, OSError) as exc:
                if not isinstance(exc, smtplib.SMTPServerDisconnected):
                    _close(connection)
                connection = None
                # a refused login is our settings' fault, not the message's: worth retrying once they are fixed
                temporary = isinstance(exc, smtplib.SMTPAuthenticationError) or rules.temporary_failure(_smtp_code(exc))
                delay = rules.retry_delay(message.attempts, config["MAIL_RETRY_SECONDS"], temporary=temporary)
                message.last_error = _describe(exc)
                if delay is None:
                    message.status, message.next_attempt_at = "failed", None
                    counts["failed"] += 1
                else:
                    message.status, message.next_attempt_at = "queued", now + timedelta(seconds=delay)
                    counts["retry"] += 1
                current_app.logger.warning("E-mail %s to %s not sent (try %s): %s", message.id, message.to_address,
                                           message.attempts, message.last_error)
                session.commit()
            else:
                message.status, message.sent_at, message.next_attempt_at = "sent", utcnow(), None
                session.commit()
                counts["sent"] += 1
    finally:
        _close(connection)
    return counts


def next_retry_at(session) -> Optional[datetime]:
    """When the next queued message may be tried (None: nothing waits for a retry)."""
    return session.scalar(select(func.min(OutboxMessage.next_attempt_at)).where(OutboxMessage.status == "queued"))


@jobs.task(SEND_TASK)
def send_outbox() -> None:
    """The background task: send what is due; on the queue, come back for the next retry."""
    send_due()
    if jobs.uses_queue():
        retry_at = next_retry_at(db.session)
        db.session.rollback()
        if retry_at is not None:
            jobs.start_task(SEND_TASK, delay_seconds=max(1.0, (retry_at - utcnow()).total_seconds()))


def deliver(*, wait_seconds: Optional[float] = None) -> Optional[Counter]:
    """Send the outbox before a command exits. When a worker listens on the queue, hand it the task and
    return None. Otherwise send here (the task, in a thread of this process), waiting up to
    ``wait_seconds`` (default ``MAIL_WAIT_SECONDS``) for retries that fall due, and return what
    became of the messages tried: sent, logged, retry (still queued), failed."""
    app = current_app._get_current_object()
    if jobs.workers_listening(app):
        jobs.start_task(SEND_TASK)
        return None
    wait = app.config["MAIL_WAIT_SECONDS"] if wait_seconds is None else wait_seconds
    started, deadline = utcnow(), time.monotonic() + wait
    while True:
        jobs.start_task(SEND_TASK, in_process=True)
        jobs.wait_for_threads()
        db.session.rollback()  # see what the thread committed
        retry_at = next_retry_at(db.session)
        if retry_at is None:
            break
        pause = (retry_at - utcnow()).total_seconds()
        if time.monotonic() + pause > deadline:
            break
        time.sleep(max(0.0, pause))
    tried = db.session.execute(select(OutboxMessage.status, func.count()).where(OutboxMessage.claimed_at >= started)
                               .group_by(OutboxMessage.status)).all()
    db.session.rollback()
    statuses = Counter({status: count for status, count in tried})
    return Counter({"sent": statuses["sent"], "logged": statuses["logged"], "retry": statuses["queued"],
                    "failed": statuses["failed"]})
