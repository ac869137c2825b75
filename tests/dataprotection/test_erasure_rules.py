"""The effective legal hold (rules.legal_hold), table-driven: the recorded reason, open time-off dispute
cases linked to the person and live tribunal claims, each named in plain words."""
from __future__ import annotations

from datetime import date

import pytest

from ulr_app.dataprotection import rules

# (recorded, open dispute cases, live tribunal claims, expected reason, why)
CASES = [
    (None, (), (), None, "nothing recorded, nothing open: no hold"),
    ("", (), (), None, "an empty reason is no reason"),
    ("   ", (), (), None, "nor is one of spaces"),
    ("Grievance open", (), (), "Grievance open", "the recorded reason, as typed"),
    ("  Grievance open \n", (), (), "Grievance open", "the recorded reason, trimmed"),
    (None, (7,), (), "Time-off dispute case 7 is still open", "one open dispute case"),
    (None, (9, 7, 7), (), "Time-off dispute cases 7 and 9 are still open", "two cases, sorted, once each"),
    (None, (3, 1, 2), (), "Time-off dispute cases 1, 2 and 3 are still open", "three cases"),
    (None, (), ((12, date(2026, 7, 1)),),
     "A tribunal claim made on 1 July 2026 about time-off request 12 is still live", "a live tribunal claim"),
    ("Grievance open", (4,), ((12, date(2026, 7, 1)),),
     "Grievance open; A tribunal claim made on 1 July 2026 about time-off request 12 is still live; "
     "Time-off dispute case 4 is still open", "every reason, the recorded one first"),
]


@pytest.mark.parametrize("recorded, cases, claims, expected, why", CASES, ids=[c[-1] for c in CASES])
def test_legal_hold(recorded, cases, claims, expected, why):
    assert rules.legal_hold(recorded, cases, claims) == expected, why
