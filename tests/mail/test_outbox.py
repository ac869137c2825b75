"""Reminder e-mails through the outbox, sent to a real SMTP server (aiosmtpd) started by the test:
`flask reminders` queues each reader's digest and sends it before it exits; a refusal is retried; no
message is sent twice; with no SMTP server set, messages go to the log and the outbox page."""
from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
import warnings
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.reports import helpers as h
from ulr_app.accounts import services as account_services
from ulr_app.cases.models import Case
from ulr_app.contacts.models import FollowUp
from ulr_app.core.audit_models import AuditEntry
from ulr_app.core.timeline import ReminderSent
from ulr_app.extensions import db
from ulr_app.mail import services
from ulr_app.mail.models import OutboxMessage

TODAY = date.today()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """An SMTP handler that keeps what arrives; ``refuse`` answers with ``refuse_with`` that many times."""

    def __init__(self):
        self.arrived: list = []
        self.refuse = 0
        self.refuse_with = "451 4.3.0 Mailbox busy, try again later"
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse:
                self.refuse -= 1
                return self.refuse_with
            self.arrived.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 OK: queued"

    def to(self) -> list[str]:
        return sorted(r for rcpts, _m in self.arrived for r in rcpts)

    def body_for(self, address: str) -> str:
        found = [m for rcpts, m in self.arrived if address in rcpts]
        assert len(found) == 1, (address, self.to())
        return found[0].get_content()


@pytest.fixture
def smtp(app, monkeypatch):
    from aiosmtpd.controller import Controller

    handler = Recorder()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_TLS": "none",
                       "MAIL_FROM": "ULR Case Manager <ulr@branch.example.org>", "MAIL_RETRY_SECONDS": (1, 1),
                       "MAIL_WAIT_SECONDS": 15, "REDIS_URL": None}.items():
        monkeypatch.setitem(app.config, key, value)
    yield handler
    controller.stop()


@pytest.fixture
def no_smtp(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    monkeypatch.setitem(app.config, "REDIS_URL", None)


@pytest.fixture
def due(world):
    """Barnet (A1): a learner's overdue follow-up and a case's follow-up due in 2 days (the case summary and
    the follow-ups' titles are free text that mention health; the learner has equality data); a ULR's
    training deadline. Camden (A2) and Newcastle (B1): nothing."""
    sam = h.learner(world, name="Sam Followup", membership="member", ethnicity="Bangladeshi", disability="Yes",
                    gender="Woman")
    db.session.add(FollowUp(learner_id=sam.id, title="Ask about her dyslexia support", due_on=TODAY - timedelta(days=3)))
    case = Case(branch_id=world.branches.a1.id, kind="learner_support", status="open",
                summary="Sam's hearing loss adjustments for the course", opened_on=TODAY - timedelta(days=20))
    db.session.add(case)
    db.session.flush()
    db.session.add(FollowUp(case_id=case.id, title="Chase the audiologist's letter", due_on=TODAY + timedelta(days=2)))
    rep = h.rep(world, name="Pat Training", training_route="will_train", will_train_notice_on=TODAY - timedelta(days=170))
    db.session.commit()
    return {"learner": sam, "case": case, "rep": rep}


def run(runner, *args):
    return runner.invoke(args=["reminders", *args])


def _messages() -> list[OutboxMessage]:
    db.session.rollback()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.to_address)))


def test_digests_arrive_at_the_smtp_server_once_with_what_needs_doing(runner, world, due, smtp):
    result = run(runner)
    assert result.exit_code == 0, result.output
    assert "E-mail: 2 reminder e-mails queued." in result.output
    assert "E-mail: 2 sent, 0 written to the log (no e-mail server set), 0 to try again later, 0 failed." \
        in result.output
    # Barnet's convenor and London's organiser; nobody else has anything new
    assert smtp.to() == ["convenor.barnet@example.org", "organiser.london@example.org"]
    body = smtp.body_for("convenor.barnet@example.org")
    learner, case, rep = due["learner"], due["case"], due["rep"]
    assert body.startswith("Hello Convenor Barnet,")
    assert "Barnet branch" in body
    assert "* Follow-up overdue: Sam Followup (learner), due " in body
    assert f"Open it: http://127.0.0.1:5000/learners/{learner.id}" in body
    assert f"* Follow-up due: learner support case {case.id}, due " in body
    assert f"Open it: http://127.0.0.1:5000/cases/{case.id}" in body
    assert "* ULR training deadline: Pat Training (ULR appointment)" in body
    assert f"http://127.0.0.1:5000/reps/{rep.id}" in body
    assert "http://127.0.0.1:5000/profile#email-reminders" in body
    # no special-category data, and none of the free text that may hold it
    for secret in ("Bangladeshi", "Woman", "member", "Yes", "dyslexia", "hearing", "audiologist"):
        assert secret not in body, secret
    arrived = smtp.arrived[0][1]
    assert arrived["From"] == "ULR Case Manager <ulr@branch.example.org>"
    assert arrived["Subject"].startswith("ULR Case Manager: 3 things need doing")
    rows = _messages()
    assert [(m.status, m.attempts, m.digest_date) for m in rows] == [("sent", 1, TODAY)] * 2
    assert all(m.sent_at is not None and m.last_error is None for m in rows)
    assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 3
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == "outbox_message")) == 1

    # the next run the same day: nothing new, nothing sent again
    again = run(runner)
    assert again.exit_code == 0 and again.output.strip() == "No new reminders."
    assert len(smtp.arrived) == 2 and len(_messages()) == 2


def test_a_refusal_is_retried_after_a_pause_and_the_message_arrives_once(runner, world, due, smtp):
    smtp.refuse = 1  # the first message is refused with 451, then the server accepts
    result = run(runner)
    assert result.exit_code == 0, result.output
    assert "E-mail: 2 sent, 0 written to the log (no e-mail server set), 0 to try again later, 0 failed." \
        in result.output
    assert smtp.to() == ["convenor.barnet@example.org", "organiser.london@example.org"]
    rows = {m.to_address: m for m in _messages()}
    retried = [m for m in rows.values() if m.attempts == 2]
    assert len(retried) == 1 and retried[0].status == "sent"
    assert retried[0].last_error.startswith("The e-mail server answered 451")
    assert sorted(m.attempts for m in rows.values()) == [1, 2]


def test_a_refused_message_waits_for_its_retry_time(app, world, smtp):
    message = _queue(world.users.convenor_a1)
    smtp.refuse = 1
    counts = services.send_due()
    assert counts["retry"] == 1 and smtp.arrived == []
    db.session.refresh(message)
    assert message.status == "queued" and message.attempts == 1 and message.next_attempt_at is not None
    # not yet due: nothing happens
    assert services.send_due(now=message.next_attempt_at - timedelta(seconds=1))["sent"] == 0
    assert services.send_due(now=message.next_attempt_at)["sent"] == 1
    assert smtp.to() == ["convenor.barnet@example.org"]


def test_the_server_refusing_every_time_fails_the_message_after_the_last_retry(app, world, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_RETRY_SECONDS", (60, 300))
    message = _queue(world.users.convenor_a1)
    smtp.refuse = 99
    now = services.utcnow()
    for expected_status in ("queued", "queued", "failed"):
        services.send_due(now=now)
        db.session.refresh(message)
        assert message.status == expected_status
        now += timedelta(hours=1)
    assert message.attempts == 3 and smtp.arrived == []
    assert services.send_due(now=now + timedelta(days=1))["sent"] == 0
    assert message.attempts == 3


def test_a_permanent_refusal_fails_at_once(app, world, smtp):
    message = _queue(world.users.convenor_a1)
    smtp.refuse, smtp.refuse_with = 1, "550 5.1.1 No such mailbox"
    assert services.send_due()["failed"] == 1
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("failed", 1)
    assert "550" in message.last_error


def test_no_server_answering_is_retried_later(app, world, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_PORT", _free_port())  # nobody listens there
    message = _queue(world.users.convenor_a1)
    assert services.send_due()["retry"] == 1
    db.session.refresh(message)
    assert message.status == "queued" and message.last_error.startswith("Could not talk to the e-mail server")


@pytest.mark.parametrize("tls, problem", [
    ("starttls", "STARTTLS extension not supported"),  # the server offers no STARTTLS: nothing is sent in clear
    ("ssl", "SSL"),  # the server speaks plain SMTP, not TLS
])
def test_the_tls_setting_is_used_and_a_server_without_it_gets_nothing(app, world, smtp, monkeypatch, tls, problem):
    monkeypatch.setitem(app.config, "SMTP_TLS", tls)
    message = _queue(world.users.convenor_a1)
    assert services.send_due()["retry"] == 1
    db.session.refresh(message)
    assert message.status == "queued" and problem in message.last_error
    assert smtp.arrived == []


def test_the_smtp_login_is_used_and_a_refused_login_is_retried(app, world, monkeypatch):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"ulr", b"s3cret")
        return AuthResult(success=ok, handled=False)

    handler, port = Recorder(), _free_port()
    # plain-text AUTH on the loopback only, for the test (aiosmtpd warns about it, rightly, elsewhere)
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS", category=UserWarning)
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_require_tls=False, auth_required=True)
    controller.start()
    try:
        for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_TLS": "none", "SMTP_USER": "ulr",
                           "SMTP_PASSWORD": "wrong", "MAIL_FROM": "ulr@branch.example.org",
                           "MAIL_RETRY_SECONDS": (60,), "REDIS_URL": None}.items():
            monkeypatch.setitem(app.config, key, value)
        message = _queue(world.users.convenor_a1)
        assert services.send_due()["retry"] == 1
        db.session.refresh(message)
        assert message.status == "queued" and message.last_error.startswith("The e-mail server answered 535")
        monkeypatch.setitem(app.config, "SMTP_PASSWORD", "s3cret")  # the administrator fixes the setting
        assert services.send_due(now=message.next_attempt_at)["sent"] == 1
        assert handler.to() == ["convenor.barnet@example.org"]
    finally:
        controller.stop()


def _queue(user, *, day=None) -> OutboxMessage:
    message = OutboxMessage(to_address=user.email, subject="Reminders", body=f"Hello {user.name}", status="queued",
                            attempts=0, user_id=user.id, digest_date=day or TODAY)
    db.session.add(message)
    db.session.commit()
    return message


def test_two_senders_at_once_never_send_a_message_twice(app, world, smtp):
    users = [world.users.convenor_a1, world.users.convenor_a2, world.users.convenor_b1, world.users.organiser_a,
             world.users.organiser_b, world.users.admin]
    for user in users:
        _queue(user)
    start = threading.Barrier(2)
    results = []

    def sender():
        with app.app_context():
            start.wait()
            results.append(services.send_due())
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(r["sent"] for r in results) == len(users)
    assert smtp.to() == sorted(u.email for u in users)  # each exactly once
    # and a third run finds nothing to send
    assert services.send_due()["sent"] == 0 and len(smtp.arrived) == len(users)
    assert {(m.status, m.attempts) for m in _messages()} == {("sent", 1)}


def test_a_message_is_claimed_once(app, world):
    message = _queue(world.users.convenor_a1)
    now = services.utcnow()
    assert services._claim(db.session, message.id, now) is True
    assert services._claim(db.session, message.id, now) is False


def test_a_send_interrupted_midway_is_failed_not_sent_again(app, world, smtp):
    message = _queue(world.users.convenor_a1)
    long_ago = services.utcnow() - timedelta(hours=1)
    assert services._claim(db.session, message.id, long_ago)  # a sender claimed it, then died
    services.send_due()
    db.session.refresh(message)
    assert message.status == "failed" and "may or may not have arrived" in message.last_error
    assert smtp.arrived == []


def test_no_smtp_settings_write_the_messages_to_the_log(runner, world, due, no_smtp, caplog):
    with caplog.at_level(logging.WARNING):
        result = run(runner)
    assert result.exit_code == 0, result.output
    assert "E-mail: 0 sent, 2 written to the log (no e-mail server set), 0 to try again later, 0 failed." \
        in result.output
    rows = _messages()
    assert [m.status for m in rows] == ["logged", "logged"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "E-mail not sent (ULR_SMTP_HOST is not set)" in logged
    assert "To: convenor.barnet@example.org" in logged and "Sam Followup (learner)" in logged


def test_a_user_who_chose_no_e_mails_gets_none(runner, world, due, smtp):
    account_services.set_email_reminders(world.users.convenor_a1, "none")
    db.session.commit()
    result = run(runner)
    assert result.exit_code == 0, result.output
    assert "E-mail: 1 reminder e-mail queued; 1 person chose no reminder e-mails." in result.output
    assert smtp.to() == ["organiser.london@example.org"]
    # the reminders were still told (to the organiser, and on the home page): not repeated tomorrow
    assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 3


def test_a_second_run_the_same_day_keeps_new_reminders_for_tomorrow(runner, world, due, smtp):
    assert run(runner).exit_code == 0
    db.session.add(FollowUp(learner_id=due["learner"].id, title="Book the exam", due_on=TODAY))
    db.session.commit()
    result = run(runner)
    assert result.exit_code == 0, result.output
    assert "E-mail: 0 reminder e-mails queued; 2 already had today's e-mail, so 1 reminder waits for tomorrow's." \
        in result.output
    assert len(smtp.arrived) == 2 and len(_messages()) == 2
    # not recorded as told: still new for the next run
    assert "1 new" in run(runner, "--dry-run").output


def test_inactive_users_and_ulrs_get_no_digest(runner, world, due, smtp):
    account_services.update_user(world.users.organiser_a, {"active": False})
    db.session.commit()
    assert run(runner).exit_code == 0
    assert smtp.to() == ["convenor.barnet@example.org"]


def test_the_outbox_page_lists_newest_first_with_status_and_body(runner, world, due, no_smtp, login_as):
    assert run(runner).exit_code == 0
    failed = _queue(world.users.convenor_b1, day=TODAY - timedelta(days=1))
    failed.status, failed.attempts, failed.last_error = "failed", 5, "The e-mail server answered 550: No such mailbox"
    db.session.commit()
    admin = login_as("admin")
    page = admin.get("/admin/outbox").get_data(as_text=True)
    assert page.index("convenor.newcastle@example.org") < page.index("convenor.barnet@example.org")
    assert "Written to the log (no e-mail server set)" in page and "Failed" in page
    assert "550: No such mailbox" in page
    only_failed = admin.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "convenor.newcastle@example.org" in only_failed and "convenor.barnet@example.org" not in only_failed
    barnet = next(m for m in _messages() if m.to_address == "convenor.barnet@example.org")
    shown = admin.get(f"/admin/outbox/{barnet.id}").get_data(as_text=True)
    assert "Sam Followup (learner)" in shown and "Hello Convenor Barnet," in shown
    assert admin.get("/admin/outbox/999999").status_code == 404
    assert admin.get("/admin/outbox?page=2&per_page=1").status_code == 200


# --- with Redis: a listening worker sends; with none listening, the command sends itself ----------

@pytest.fixture
def redis_queue(app, monkeypatch):
    import os

    from redis import Redis
    from redis.exceptions import RedisError

    url = os.environ.get("ULR_TEST_REDIS_URL") or "redis://127.0.0.1:6379/12"
    connection = Redis.from_url(url)
    try:
        connection.ping()
    except (RedisError, OSError) as exc:
        if os.environ.get("ULR_TEST_REDIS_URL"):
            pytest.fail(f"ULR_TEST_REDIS_URL is set but Redis does not answer: {exc}")
        pytest.skip(f"no Redis at {url} ({exc})")
    connection.flushdb()
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    yield connection
    connection.flushdb()
    connection.close()


def test_with_redis_but_no_worker_listening_the_command_sends_the_queue(runner, world, due, smtp, redis_queue, app):
    result = run(runner)
    assert result.exit_code == 0, result.output
    assert "E-mail: 2 sent" in result.output
    assert len(smtp.arrived) == 2


def test_a_listening_worker_is_handed_the_queue(runner, world, due, smtp, redis_queue, app):
    from rq import SimpleWorker

    from ulr_app.core import jobs

    queue = jobs.queue(app)
    listening = SimpleWorker([queue], connection=redis_queue, name="listening-in-the-test")
    listening.register_birth()
    try:
        result = run(runner)
    finally:
        listening.register_death()
    assert result.exit_code == 0, result.output
    assert "E-mail: the worker is sending the queue." in result.output
    assert smtp.arrived == [] and {m.status for m in _messages()} == {"queued"}
    jobs.worker([queue], redis_queue).work(burst=True)  # the app's worker, as `flask worker --burst` runs it
    assert smtp.to() == ["convenor.barnet@example.org", "organiser.london@example.org"]
    assert {m.status for m in _messages()} == {"sent"}
