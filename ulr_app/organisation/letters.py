"""What every letter from a branch to an employer prints at its top: the branch's letterhead (its
address, phone and e-mail, from the branch's contact details) and the recipient (the workplace's head
teacher or manager when their name is recorded on the workplace, else the employer), with the
salutation and the close that go with them: "Dear <name>" ... "Yours sincerely" for a named person,
and "Dear Sir or Madam" ... "Yours faithfully" only when no name is known. Plain data for the
templates/pdf letter templates (templates/pdf/_letterhead.html)."""
from __future__ import annotations

from typing import Any, Optional

from .models import Branch, Employer, Workplace

UNION = "UNISON"


def letterhead(branch: Branch) -> dict[str, Any]:
    """The sender: ``{"union", "branch", "address_lines", "phone", "email"}`` (missing details are empty)."""
    return {
        "union": UNION,
        "branch": branch.name,
        "address_lines": [line for line in (branch.address or "").splitlines() if line.strip()],
        "phone": branch.phone,
        "email": branch.email,
    }


def recipient(employer: Employer, workplace: Optional[Workplace] = None) -> dict[str, Any]:
    """The addressee block, the salutation and the close.

    ``lines`` is the address block: the named person, their job title, the workplace, the employer and
    the town and postcode, each once and only when known."""
    name = (workplace.contact_name or "").strip() if workplace is not None else ""
    role = (workplace.contact_role or "").strip() if workplace is not None else ""
    lines: list[str] = [line for line in (name, role) if line]
    if not name and not role:
        lines.append("The Head of Human Resources" if workplace is None else
                     ("The Head Teacher" if workplace.kind == "school" else "The Manager"))
    if workplace is not None:
        lines.append(workplace.name)
    if employer.name not in lines:
        lines.append(employer.name)
    if workplace is not None:
        place = " ".join(part for part in (workplace.town, workplace.postcode) if part)
        if place:
            lines.append(place)
    return {
        "name": name or None,
        "role": role or None,
        "lines": lines,
        "salutation": f"Dear {name}" if name else "Dear Sir or Madam",
        "close": "Yours sincerely" if name else "Yours faithfully",
    }
