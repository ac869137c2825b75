"""What a contact can be, and the state of a follow-up. Pure functions."""
from __future__ import annotations

from datetime import date

ACTIVITY_KINDS = {"note": "Note", "call": "Call", "meeting": "Meeting", "email": "E-mail", "letter": "Letter", "visit": "Visit"}


def follow_up_state(due_on: date, done: bool, today: date) -> str:
    if done:
        return "done"
    if due_on < today:
        return "overdue"
    return "due" if due_on == today else "planned"
