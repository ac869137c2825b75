"""The outbox's pure rules, table-driven: retry delays, which SMTP answers are retried, ports, the digest."""
from __future__ import annotations

from datetime import date

import pytest

from ulr_app.mail import rules

DELAYS = (60, 300, 1800)


@pytest.mark.parametrize("attempts, temporary, expected", [
    (1, True, 60),       # first failure: the first delay
    (2, True, 300),
    (3, True, 1800),     # the last retry
    (4, True, None),     # every delay used: failed for good
    (9, True, None),
    (1, False, None),    # a permanent refusal is never retried
    (0, True, None),     # never tried: nothing to wait for
])
def test_retry_delay(attempts, temporary, expected):
    assert rules.retry_delay(attempts, DELAYS, temporary=temporary) == expected


def test_no_delays_means_no_retry():
    assert rules.retry_delay(1, (), temporary=True) is None


@pytest.mark.parametrize("code, temporary", [
    (None, True),   # no answer: the connection failed or dropped
    (421, True), (450, True), (451, True), (452, True), (499, True),
    (500, False), (535, False), (550, False), (554, False), (250, False),
])
def test_temporary_failure(code, temporary):
    assert rules.temporary_failure(code) is temporary


@pytest.mark.parametrize("tls, port, expected", [
    ("starttls", None, 587), ("ssl", None, 465), ("none", None, 25), ("none", 2525, 2525), ("ssl", 1465, 1465),
])
def test_smtp_port(tls, port, expected):
    assert rules.smtp_port(tls, port) == expected


def _line(branch, label, what, due, link="http://x/1"):
    return rules.DigestLine(branch=branch, label=label, what=what, due_on=date.fromisoformat(due),
                            message=f"{what} message", link=link)


@pytest.mark.parametrize("lines, subject", [
    ([_line("Barnet", "Review due", "Agreement", "2026-07-01")], "ULR Case Manager: 1 thing needs doing (1 June 2026)"),
    ([_line("Barnet", "Review due", "A", "2026-07-01"), _line("Camden", "Follow-up due", "B", "2026-06-02")],
     "ULR Case Manager: 2 things need doing (1 June 2026)"),
])
def test_digest_subject(lines, subject):
    assert rules.digest("Ann", date(2026, 6, 1), lines, profile_link="http://x/profile")[0] == subject


def test_digest_body_groups_by_branch_in_order_then_by_due_date():
    lines = [_line("Camden", "Follow-up due", "Late thing", "2026-06-09"),
             _line("Barnet", "Review due", "Later", "2026-07-01", link=None),
             _line("Camden", "Follow-up overdue", "Early thing", "2026-05-30")]
    _subject, body = rules.digest("Ann Organiser", date(2026, 6, 1), lines, profile_link="http://x/profile")
    assert body.startswith("Hello Ann Organiser,\n")
    assert body.index("Camden branch") < body.index("Barnet branch")  # first branch first, as given
    assert body.index("Early thing, due 30 May 2026") < body.index("Late thing, due 9 June 2026")
    assert "  Open it: http://x/1" in body and body.count("Open it:") == 2  # no link: no line
    assert "  Late thing message." in body
    assert body.rstrip().endswith("there: http://x/profile")
