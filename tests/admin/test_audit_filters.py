"""Who saw what (issue 14 item 7): the audit page filters by person, user, action, record and dates,
finds an entry about several records by any of them, exports the filtered entries as CSV (formulas
neutralised, the download itself audited), and every download of personal data is recorded."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from flask import g
from sqlalchemy import select

from tests.learners.helpers import learner, rep
from ulr_app.core import audit, documents
from ulr_app.core.audit_models import AuditEntry, AuditRecord
from ulr_app.extensions import db

TODAY = date.today()


def _text(response) -> str:
    return response.get_data(as_text=True)


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_text(response).lstrip("\ufeff"))))


@pytest.fixture
def trail(world):
    """Two learners (Sam Okafor, Ali Khan) and a ULR (Pat Jones) recorded; then a read of both learners'
    special-category data in one entry (as a list page writes it), by the convenor."""
    g.audit_actor_label = "test set-up"
    sam = learner(world, name="Sam Okafor")
    ali = learner(world, name="Ali Khan")
    pat = rep(world, name="Pat Jones")
    g.audit_actor = world.users.convenor_a1
    audit.record_read(db.session, "learner", [(sam.id, sam.name), (ali.id, ali.name)], fields=["ethnicity"],
                      where="the learner list", what="the equality monitoring")
    g.pop("audit_actor")
    db.session.commit()
    return dict(sam=sam, ali=ali, pat=pat)


def test_an_entry_about_several_records_has_a_link_row_for_each(world, trail):
    read = db.session.scalars(select(AuditEntry).where(AuditEntry.action == audit.READ_SPECIAL)).one()
    assert read.object_id is None
    links = db.session.execute(select(AuditRecord.record_type, AuditRecord.record_id)
                               .where(AuditRecord.entry_id == read.id)).all()
    assert sorted(links) == sorted([("learner", trail["sam"].id), ("learner", trail["ali"].id)])
    # an entry about one record needs none: its own object_id finds it
    created = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "learner",
                                                          AuditEntry.object_id == trail["sam"].id)).first()
    assert db.session.scalars(select(AuditRecord).where(AuditRecord.entry_id == created.id)).first() is None


def test_filter_by_person_finds_their_own_entries_and_reads_of_a_list_naming_them(login_as, trail):
    admin = login_as("admin")
    page = _text(admin.get("/admin/audit?person=okafor"))
    assert "Recorded learner Sam Okafor" in page
    assert "Viewed the equality monitoring of 2 learners" in page  # the list read covers Sam
    assert "Recorded learner Ali Khan" not in page and "Pat Jones" not in page
    page = _text(admin.get("/admin/audit?person=pat jones"))  # a ULR's name: their appointment's entries
    assert "Pat Jones" in page and "Sam Okafor" not in page and "Viewed the equality" not in page
    assert "Nothing in the audit log matches" in _text(admin.get("/admin/audit?person=nobody-of-that-name"))
    # % and _ are searched for as typed, not as wildcards
    assert "Nothing in the audit log matches" in _text(admin.get("/admin/audit?person=%25"))


def test_filter_by_user_who_did_it(login_as, world, trail):
    admin = login_as("admin")
    page = _text(admin.get("/admin/audit?actor=convenor.barnet"))
    assert "Viewed the equality monitoring of 2 learners" in page and "Recorded learner Sam Okafor" not in page
    page = _text(admin.get("/admin/audit?actor=test set-up"))
    assert "Recorded learner Sam Okafor" in page and "Viewed the equality" not in page


def test_filter_by_action(login_as, trail):
    admin = login_as("admin")
    page = _text(admin.get(f"/admin/audit?action={audit.READ_SPECIAL}"))
    assert "Viewed the equality monitoring" in page and "Recorded learner" not in page
    page = _text(admin.get("/admin/audit?action=create"))
    assert "Recorded learner Sam Okafor" in page and "Viewed the equality" not in page
    # the actions are offered in plain words
    page = _text(admin.get("/admin/audit"))
    for words in ("Created", "Changed", "Deleted", "Read special-category data", "Exported"):
        assert f">{words}</option>" in page


def test_filter_by_record_kind_and_number_finds_entries_covering_it(login_as, trail):
    admin = login_as("admin")
    page = _text(admin.get(f"/admin/audit?object_type=learner&object_id={trail['ali'].id}"))
    assert "Recorded learner Ali Khan" in page and "Viewed the equality monitoring of 2 learners" in page
    assert "Recorded learner Sam Okafor" not in page
    page = _text(admin.get(f"/admin/audit?object_type=rep&object_id={trail['pat'].id}"))
    assert "Pat Jones" in page and "Viewed the equality" not in page and "Ali Khan" not in page


def test_filter_by_dates(login_as, trail):
    admin = login_as("admin")
    today = f"{TODAY.day} {TODAY.month} {TODAY.year}"
    assert "Recorded learner Sam Okafor" in _text(admin.get(f"/admin/audit?from={today}&to={today}"))
    before = TODAY - timedelta(days=3)
    page = _text(admin.get(f"/admin/audit?to={before.day} {before.month} {before.year}"))
    assert "Nothing in the audit log matches" in page


@pytest.mark.parametrize("query, message", [
    ("from=31 2 2026", "Enter a real date, like 31 3 2026"),
    ("to=yesterday", "Enter a real date, like 31 3 2026"),
    ("from=10 3 2026&to=9 3 2026", "The &#39;to&#39; date must be the same as or after the &#39;from&#39; date"),
    ("action=drop_tables", "Choose an action from the list"),
    ("object_type=no_such_thing", "Choose a kind of record from the list"),
    ("object_id=abc", "Enter the record&#39;s number in figures, like 42"),
    ("object_id=-4", "Enter the record&#39;s number in figures, like 42"),
    ("object_id=99999999999999999999", "Enter the record&#39;s number in figures, like 42"),
])
def test_bad_filters_get_a_clear_message_not_a_500(login_as, trail, query, message):
    admin = login_as("admin")
    response = admin.get(f"/admin/audit?{query}")
    assert response.status_code == 200
    page = _text(response)
    assert message in page and "There is a problem with the filters" in page
    assert "Recorded learner Sam Okafor" in page  # the bad filter is left out, not applied half-way
    response = admin.get(f"/admin/audit.csv?{query}")  # no file of something other than what was asked for
    assert response.status_code == 400 and message in _text(response)
    assert not response.headers.get("Content-Disposition")


def test_csv_of_the_filtered_entries(login_as, world, trail):
    admin = login_as("admin")
    page = _text(admin.get("/admin/audit?person=okafor"))
    assert "/admin/audit.csv?person=okafor" in page
    response = admin.get("/admin/audit.csv?person=okafor")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == ["When (UTC)", "Who", "Action", "Record kind", "Record number", "Records covered", "Summary",
                       "Changes", "IP address"]
    summaries = [r[6] for r in rows[1:]]
    assert "Recorded learner Sam Okafor" in summaries and not any("Ali Khan" in s for s in summaries)
    read = next(r for r in rows[1:] if r[2] == "Read special-category data")
    assert sorted(read[5].split()) == sorted([str(trail["sam"].id), str(trail["ali"].id)])
    assert "fields: ['ethnicity']" in read[7]


def test_csv_neutralises_formulas(login_as, world, trail):
    g.audit_actor_label = "=HYPERLINK(\"http://evil.example\",\"click\")"
    audit.record(db.session, "update", summary="+SUM(A1:A9)", object_type="learner", object_id=trail["sam"].id)
    db.session.commit()
    rows = _csv(login_as("admin").get(f"/admin/audit.csv?object_type=learner&object_id={trail['sam'].id}"))
    cells = [c for r in rows for c in r]
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in cells and "'+SUM(A1:A9)" in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)


def test_the_csv_download_is_itself_audited(login_as, world, trail):
    login_as("admin").get("/admin/audit.csv?action=create")
    db.session.expire_all()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == audit.EXPORT)).one()
    assert entry.actor_id == world.users.admin.id and entry.object_type == "audit_entry"
    assert entry.changes["format"] == "csv" and "action create" in entry.summary
    # and the audit page finds it under "Exported"
    assert entry.summary in _text(login_as("admin").get("/admin/audit?action=export"))


def _exports() -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == audit.EXPORT).order_by(AuditEntry.id)))


def test_downloads_of_personal_data_are_recorded_as_exports(login_as, world):
    g.audit_actor_label = "test set-up"
    mine = rep(world, user=world.users.ulr_a1, name="Pat Jones")
    notice = documents.store(db.session, mine, "ulr_notice", "Notice", b"%PDF-1.7 mine")
    db.session.commit()
    convenor = login_as("convenor_a1")
    assert convenor.get(f"/documents/{notice.id}").status_code == 200
    found = _exports()
    assert [(e.object_type, e.object_id, e.actor_id) for e in found] == [("rep", mine.id, world.users.convenor_a1.id)]
    assert found[0].changes["format"] == "pdf"

    assert convenor.get("/reps/facility-time.csv?period=FY2026-Q3").status_code == 200
    facility = _exports()[-1]
    assert facility.changes["format"] == "csv" and "facility time" in facility.summary

    report = convenor.get(f"/reports/schools-coverage?format=csv&as_of={TODAY.isoformat()}&branch_id={world.branches.a1.id}")
    assert report.status_code == 200
    last = _exports()[-1]
    assert last.object_type == "report" and last.changes["format"] == "csv"
    from ulr_app.agreements import services as agreement_services

    g.audit_actor_label = "test set-up"
    a = agreement_services.create_agreement({"title": "Barnet learning agreement", "employer_id": world.employers.a1.id},
                                            branch=world.branches.a1)
    doc = agreement_services.record_generated(a, b"%PDF-1.7 test", clause_set="test", flagged=[])
    db.session.commit()
    assert convenor.get(f"/agreements/{a.id}/documents/{doc.id}").status_code == 200
    last = _exports()[-1]
    assert (last.object_type, last.object_id, last.changes["format"]) == ("agreement", a.id, "pdf")
    # a download refused (out of scope) records nothing
    count = len(_exports())
    assert login_as("convenor_a2").get(f"/documents/{notice.id}").status_code == 404
    assert len(_exports()) == count


def test_only_administrators_see_the_audit_log_and_its_csv(login_as, trail):
    for key in ("organiser_a", "convenor_a1", "ulr_a1"):
        client = login_as(key)
        assert client.get("/admin/audit").status_code == 403
        assert client.get("/admin/audit.csv").status_code == 403
    assert login_as("admin").get("/admin/audit.csv").status_code == 200


def test_a_subject_access_search_finds_reads_of_lists_naming_the_person(world, trail):
    """Who saw what of a person, for a subject access request: the read of a list that showed Ali's
    equality monitoring is among Ali's audit entries (found through audit_record)."""
    from ulr_app.dataprotection.queries import find_person

    found = find_person(world.users.convenor_a1, learner_id=trail["ali"].id)
    summaries = [e.summary for e in found.audit_entries]
    assert "Viewed the equality monitoring of 2 learners (the learner list)" in summaries
    assert "Recorded learner Ali Khan" in summaries and "Recorded learner Sam Okafor" not in summaries
