"""Pure rules of the e-mail outbox: when to try a refused message again, which SMTP answers are worth
a retry, the SMTP port, and the words of a reminder digest. No database, no Flask."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional, Sequence

#: the port for each ULR_SMTP_TLS mode when ULR_SMTP_PORT is not set
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


def smtp_port(tls: str, port: Optional[int]) -> int:
    return port or DEFAULT_PORTS[tls]


def retry_delay(attempts: int, delays: Sequence[int], *, temporary: bool) -> Optional[int]:
    """Seconds to wait before trying again a message that failed on its ``attempts``-th try, or None
    when it has failed for good: the failure is permanent, or every delay has been used (``delays``
    holds one delay per retry, so a message is tried at most ``len(delays) + 1`` times)."""
    if not temporary or attempts < 1 or attempts > len(delays):
        return None
    return max(0, int(delays[attempts - 1]))


def temporary_failure(code: Optional[int]) -> bool:
    """Is an SMTP failure worth trying again? The server's 4xx answers are ("try again later"), 5xx
    answers are not (an unknown mailbox stays unknown); no code at all is a connection that failed or
    dropped, which is worth another try."""
    if code is None:
        return True
    return 400 <= code < 500


@dataclass(frozen=True)
class DigestLine:
    """One thing that needs doing, as a digest says it: no free text, no special-category data."""

    branch: str
    label: str  # "Follow-up overdue"
    what: str  # "learner support case 12" or "Jo Bloggs (learner)"
    due_on: date
    message: str
    link: Optional[str]


def uk(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def digest(name: str, today: date, lines: Sequence[DigestLine], *, profile_link: str) -> tuple[str, str]:
    """The subject and plain-text body of a user's reminder digest for ``today``, by branch then due date."""
    count = len(lines)
    subject = f"ULR Case Manager: {count} thing{'s' if count != 1 else ''} need{'s' if count == 1 else ''} doing ({uk(today)})"
    out = [f"Hello {name},", "",
           f"These reminders are new on {uk(today)}. Your home page lists everything that needs doing.", ""]
    branches: list[str] = []
    for line in lines:
        if line.branch not in branches:
            branches.append(line.branch)
    for branch in branches:
        out += [f"{branch} branch", "-" * len(f"{branch} branch")]
        for line in sorted((x for x in lines if x.branch == branch), key=lambda x: (x.due_on, x.label, x.what)):
            out.append(f"* {line.label}: {line.what}, due {uk(line.due_on)}.")
            out.append(f"  {line.message.rstrip('.')}.")
            if line.link:
                out.append(f"  Open it: {line.link}")
        out.append("")
    out += ["You get this e-mail because you chose a daily reminder e-mail on your account page.",
            f"To stop these e-mails, choose 'No reminder e-mails' there: {profile_link}"]
    return subject[:200], "\n".join(out) + "\n"
