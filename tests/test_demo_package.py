"""The demo generator as a package (ulr_app/demo/): the same world, record for record, as before.

The constants below were recorded by running this module on the three-module generator (demo.py,
demo_learners.py, demo_reports.py) before it was moved into the package; the move must not change
a single record. The worlds are built with a fixed seed and a fixed build date (not the real one,
so a record dated by the clock instead of the build date would show). Every non-empty table is
counted, and every row goes into one SHA-256: all its columns in id order, but for the clock's
(date-times: when a row was written) and the passwords (random on every build, by design). Ids
are kept: the build writes in a fixed order and each test starts from empty tables, so they are
the same on every run, on SQLite and PostgreSQL alike.

The build runs with the clock stopped at ``CLOCK``, a day the plan never uses, so the checksum is the same
whatever day the suite runs; a record dated by the clock instead of the build date carries that day, and
:func:`clock_dated` finds it (it found the equality consents the convenor recorded "today").

The small world, and the national path on the small national-style file of tests/test_demo.py
(the real national list of schools is not shipped, and takes minutes to build).

To record new constants after a deliberate change to the demo world, run
``python -m tests.test_demo_package`` and paste what it prints.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timezone
from decimal import Decimal

import time_machine

from flask import g
from sqlalchemy import Date, DateTime, String, Text, select

from ulr_app.extensions import db

SEED = 2008
TODAY = date(2026, 10, 5)
#: the clock during the build: after TODAY (the plan's dates pass the checks against the real day), and a day
#: no planned record is dated
CLOCK = datetime(2027, 2, 11, 9, 30, tzinfo=timezone.utc)
#: Alembic's own table (reference data is counted: the demo adds the courses and programmes)
IGNORED_TABLES = {"alembic_version", "data_generation"}  # the second: how many commits it took
#: random on every build (demo passwords come from `secrets`), and when each was set
IGNORED_COLUMNS = {"password_hash", "password_changed_at"}

EXPECTED_COUNTS = {
    "activity": 393,
    "agreement": 10,
    "agreement_learner_time": 6,
    "agreement_school": 4,
    "agreement_ulr_place": 5,
    "audit_entry": 2726,
    "branch": 4,
    "branch_employer": 10,
    "case_record": 32,
    "course": 33,
    "employer": 8,
    "enrolment": 222,
    "follow_up": 132,
    "funding_return": 1,
    "go_award_evidence": 4,
    "go_award_standard": 8,
    "learner": 80,
    "learner_consent": 203,
    "local_authority": 173,
    "needs_assessment": 93,
    "programme": 2,
    "project": 2,
    "project_profile_change": 1,
    "project_spend": 4,
    "project_target": 40,
    "reference_term": 31,
    "region": 12,
    "rep": 12,
    "time_off_request": 124,
    "timeline_entry": 2004,
    "user_account": 15,
    "workplace": 380,
}
EXPECTED_SHA256 = "11b27e8819dc1ad22f517a2528fceed44e1a4a41dedab7d4aee605e8c94e0af4"  # issues 14 and 15: consents, surveys, imports; issue 13: follow_up.branch_id, learner.stage and last_contact_on; equality consents dated by the build, not the clock

#: the national path, on the national-style file of tests/test_demo.py (write_fake_national)
EXPECTED_NATIONAL_COUNTS = {
    "activity": 132,
    "agreement": 8,
    "agreement_learner_time": 3,
    "agreement_ulr_place": 5,
    "audit_entry": 1032,
    "branch": 3,
    "branch_employer": 7,
    "case_record": 9,
    "course": 33,
    "employer": 7,
    "enrolment": 114,
    "follow_up": 42,
    "funding_return": 1,
    "go_award_evidence": 4,
    "go_award_standard": 8,
    "learner": 30,
    "learner_consent": 77,
    "local_authority": 173,
    "needs_assessment": 40,
    "programme": 2,
    "project": 2,
    "project_profile_change": 1,
    "project_spend": 8,
    "project_target": 56,
    "reference_term": 31,
    "region": 12,
    "rep": 9,
    "time_off_request": 21,
    "timeline_entry": 770,
    "user_account": 12,
    "workplace": 58,
}
EXPECTED_NATIONAL_SHA256 = "b7f5e50ba6e3909d711d152968c26512651da6ef2ac2194a0401b3a51d868f29"  # issues 14 and 15: consents, surveys, imports; issue 13: follow_up.branch_id, learner.stage and last_contact_on; equality consents dated by the build, not the clock


def _plain(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return hashlib.sha256(bytes(value)).hexdigest()
    return value


def _clock(column) -> bool:
    """A date-time column: when the row was written or changed (the clock's, not the plan's)."""
    return isinstance(getattr(column.type, "impl_instance", column.type), DateTime)  # UTCDateTime too


def snapshot() -> tuple[dict[str, int], str]:
    """(rows per non-empty table, SHA-256 of every row's deterministic columns), tables by name."""
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    for table in sorted(db.metadata.sorted_tables, key=lambda t: t.name):
        if table.name in IGNORED_TABLES:
            continue
        columns = [c for c in table.columns if not _clock(c) and c.name not in IGNORED_COLUMNS]
        order = list(table.primary_key.columns) or columns
        rows = db.session.execute(select(*columns).order_by(*order)).all()
        if not rows:  # a table the demo leaves empty (or one added since): not part of the world
            continue
        counts[table.name] = len(rows)
        digest.update(table.name.encode())
        for row in rows:
            digest.update(json.dumps([_plain(v) for v in row], sort_keys=True, default=str).encode())
    return counts, digest.hexdigest()


def clock_dated() -> list[str]:
    """The date columns (and audit or timeline wording) that hold the clock's day: records dated by the
    clock, not by the build date."""
    found = []
    day, words = CLOCK.date(), "11 February 2027"
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(getattr(column.type, "impl_instance", column.type), Date) and not _clock(column):
                if db.session.execute(select(column).where(column == day).limit(1)).first():
                    found.append(f"{table.name}.{column.name}")
            elif isinstance(column.type, (String, Text)) and table.name in ("audit_entry", "timeline_entry"):
                if db.session.execute(select(column).where(column.contains(words)).limit(1)).first():
                    found.append(f"{table.name}.{column.name}")
    return found


def _evidence_stand_in(title: str, employer_name: str, text: str) -> bytes:
    """The Go Award evidence "PDF" of the pinned worlds: its bytes come from the plan alone. WeasyPrint's
    real bytes depend on the machine (its fonts, and HarfBuzz or fontTools to subset them), and the
    world's records (the file's digest and size) would with them."""
    return f"%PDF-stand-in\n{title}\n{employer_name}\n{text}\n".encode()


def build(scale: str = "small") -> None:
    from unittest import mock

    from ulr_app.demo import build_demo

    g.audit_actor_label = "demo data"
    with mock.patch("ulr_app.demo.funding._evidence_pdf", _evidence_stand_in), time_machine.travel(CLOCK, tick=True):
        build_demo(scale=scale, seed=SEED, today=TODAY)
    db.session.commit()


def test_the_small_world_is_unchanged_record_for_record(app):
    build("small")
    assert clock_dated() == []
    counts, checksum = snapshot()
    assert counts == EXPECTED_COUNTS
    assert checksum == EXPECTED_SHA256


def test_a_national_world_is_unchanged_record_for_record(app, tmp_path, monkeypatch):
    """The national path (its branches and agreements, fewer learners per branch, a project per
    region), on the small national-style file of tests/test_demo.py."""
    from tests.test_demo import write_fake_national

    write_fake_national(tmp_path / "schools.csv")
    monkeypatch.setenv("ULR_SCHOOLS_CSV", str(tmp_path / "schools.csv"))
    build("national")
    assert clock_dated() == []
    counts, checksum = snapshot()
    assert counts == EXPECTED_NATIONAL_COUNTS
    assert checksum == EXPECTED_NATIONAL_SHA256


if __name__ == "__main__":  # pragma: no cover - records the constants
    import os
    import sys
    import tempfile
    from pathlib import Path

    from flask_migrate import upgrade

    from tests.conftest import make_test_config
    from tests.test_demo import write_fake_national
    from ulr_app import create_app
    from ulr_app.reference.loader import load_all

    for scale, name in (("small", ""), ("national", "NATIONAL_")):
        tmp = tempfile.mkdtemp(prefix="ulr-demo-package-")
        os.environ["ULR_INSTANCE_PATH"] = tmp
        write_fake_national(Path(tmp) / "schools.csv")
        os.environ["ULR_SCHOOLS_CSV"] = str(Path(tmp) / "schools.csv")
        app = create_app(make_test_config(f"sqlite:///{tmp}/demo.db", tmp))
        with app.app_context():
            upgrade()
            load_all()
            db.session.commit()
            build(scale)
            counts, checksum = snapshot()
        print(f"EXPECTED_{name}COUNTS =", json.dumps(counts, indent=4).replace("\n}", ",\n}"))
        print(f'EXPECTED_{name}SHA256 = "{checksum}"')
    sys.exit(0)
