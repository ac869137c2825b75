"""Every list page as a CSV / XLSX download (core/listexport.py and each list's columns).

What is checked: the file opens (csv module; openpyxl for the XLSX) with the right headings and rows;
the page's filters apply (a filtered export has only the filtered rows); the viewer's scope applies
(a convenor's file has no other branch's rows, a ULR's only their caseload); the equality columns are
there only for those who may see them; no cell is a formula; every export is audited; a format that is
not offered is a 400 page, not a 500."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.learners.helpers import learner, rep
from ulr_app.core.audit_models import AuditEntry
from ulr_app.core.csvio import BOM
from ulr_app.extensions import db

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- reading the files back --------------------------------------------------------------------------

def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.DictReader(io.StringIO(text[len(BOM):])))


def csv_headings(response) -> list[str]:
    text = response.get_data().decode("utf-8")[len(BOM):]
    return next(csv.reader(io.StringIO(text)))


def read_xlsx(response) -> tuple[list[str], list[dict]]:
    """(headings, rows as dicts) of the only sheet; cells as openpyxl reads them (with their data type)."""
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == XLSX_TYPE
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows())
    headings = [c.value for c in rows[0]]
    return headings, [dict(zip(headings, r)) for r in rows[1:]]


def exports_audited() -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.id)))


def filename(response) -> str:
    return response.headers["Content-Disposition"].split("filename=")[1].strip('"')


# --- learners ---------------------------------------------------------------------------------------

@pytest.fixture
def learners(world):
    """Learners in branches A1 (one with the ULR user's appointment), A2 and B1."""
    mine = rep(world, user=world.users.ulr_a1, name="Uma Lee")
    other = rep(world, name="Pat Jones")
    made = {
        "mine": learner(world, name="Amy Ashford", rep=mine, staff_category="site", gender="Woman",
                        ethnicity="White British", disability="No", age_band="35-44"),
        "theirs": learner(world, name="Ben Barker", rep=other, staff_category="learning_support",
                          workplace="service_a1"),
        "camden": learner(world, "a2", name="Cal Camden", workplace="school_a2"),
        "newcastle": learner(world, "b1", name="Dee Tyne", workplace="school_b1"),
    }
    return made


def test_learners_csv_and_xlsx_have_the_lists_columns_and_rows(login_as, learners):
    c = login_as("convenor_a1")
    rows = read_csv(c.get("/learners?format=csv"))
    assert [r["Name"] for r in rows] == ["Amy Ashford", "Ben Barker"]  # their branch only, in the list's order
    amy = rows[0]
    assert amy["Workplace"] == "Brunswick Park Primary School" and amy["ULR"] == "Uma Lee"
    assert amy["Staff category"] == "Site" and amy["Stage"] == "No enrolment yet"
    assert amy["Branch"] == "Barnet" and amy["Consent given on"] == "2026-01-05"
    assert amy["Learner number"] == str(learners["mine"].id)
    headings, xrows = read_xlsx(c.get("/learners?format=xlsx"))
    assert headings == csv_headings(c.get("/learners?format=csv"))
    assert headings[-1] == "Learner number"
    assert [r["Name"].value for r in xrows] == ["Amy Ashford", "Ben Barker"]
    assert xrows[0]["Learner number"].value == learners["mine"].id  # a number, not text
    assert xrows[0]["Consent given on"].is_date


def test_learners_export_applies_the_filters(login_as, learners):
    c = login_as("convenor_a1")
    assert [r["Name"] for r in read_csv(c.get("/learners?format=csv&staff_category=site"))] == ["Amy Ashford"]
    assert [r["Name"] for r in read_csv(c.get("/learners?format=csv&q=bark"))] == ["Ben Barker"]
    _, xrows = read_xlsx(c.get("/learners?format=xlsx&workplace=housing"))
    assert [r["Name"].value for r in xrows] == ["Ben Barker"]
    # the page's own pages do not cut the file short
    assert len(read_csv(c.get("/learners?format=csv&page=2&per_page=1"))) == 2


@pytest.mark.parametrize("role_key, names", [
    ("admin", ["Amy Ashford", "Ben Barker", "Cal Camden", "Dee Tyne"]),
    ("organiser_a", ["Amy Ashford", "Ben Barker", "Cal Camden"]),
    ("convenor_a1", ["Amy Ashford", "Ben Barker"]),
    ("ulr_a1", ["Amy Ashford"]),  # their caseload only, not their branch
])
def test_learners_export_keeps_to_the_users_scope(login_as, learners, role_key, names):
    c = login_as(role_key)
    assert [r["Name"] for r in read_csv(c.get("/learners?format=csv"))] == names
    _, xrows = read_xlsx(c.get("/learners?format=xlsx"))
    assert [r["Name"].value for r in xrows] == names


EQUALITY = ["Gender", "Ethnicity", "Disability", "Age band"]


@pytest.mark.parametrize("role_key, sees", [("admin", True), ("organiser_a", True), ("convenor_a1", True),
                                            ("ulr_a1", False)])
def test_equality_columns_only_for_those_who_may_see_them(login_as, learners, role_key, sees):
    c = login_as(role_key)
    for fmt in ("csv", "xlsx"):
        response = c.get(f"/learners?format={fmt}")
        headings = csv_headings(response) if fmt == "csv" else read_xlsx(response)[0]
        assert all((h in headings) is sees for h in EQUALITY), (fmt, headings)
        body = response.get_data()
        assert (b"White British" in body) is sees if fmt == "csv" else True
    if sees:
        amy = next(r for r in read_csv(c.get("/learners?format=csv")) if r["Name"] == "Amy Ashford")
        assert (amy["Gender"], amy["Ethnicity"], amy["Disability"], amy["Age band"]) == (
            "Woman", "White British", "No", "35-44")
    # the ULR column is left out for a ULR, as on the page (their learners are theirs)
    assert ("ULR" in csv_headings(c.get("/learners?format=csv"))) is (role_key != "ulr_a1")


def test_an_export_with_equality_columns_is_recorded_as_a_special_category_read(login_as, learners):
    c = login_as("convenor_a1")
    c.get("/learners?format=csv").get_data()
    db.session.expire_all()
    reads = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "read_special")))
    assert len(reads) == 1
    assert sorted(reads[0].changes["records"]) == sorted([learners["mine"].id, learners["theirs"].id])
    assert "learners export" in reads[0].summary
    # filtered (the stage is a computed column joined in): the read names the learners in the file only
    c.get("/learners?format=csv&stage=no_enrolment&q=amy").get_data()
    db.session.expire_all()
    last = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "read_special")
                              .order_by(AuditEntry.id.desc())).first()
    assert last.changes["records"] == [learners["mine"].id]
    # a ULR's export has no equality columns: no read of special-category data
    login_as("ulr_a1").get("/learners?format=csv").get_data()
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "read_special")) == 2


def test_every_export_is_audited_with_rows_filters_and_format(login_as, world, learners):
    c = login_as("convenor_a1")
    c.get("/learners?format=csv&staff_category=site").get_data()
    c.get("/learners?format=xlsx").get_data()
    first, second = exports_audited()
    assert first.summary == "Exported the learners list (1 row, filters: staff_category=site) as CSV"
    assert second.summary == "Exported the learners list (2 rows, filters: none) as XLSX"
    assert first.object_type == "learner" and first.actor_id == world.users.convenor_a1.id


HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1", "@SUM(A1:A2)", "-2+3"]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_name_that_looks_like_a_formula_is_never_a_formula(login_as, world, name):
    learner(world, name=name)
    c = login_as("convenor_a1")
    rows = read_csv(c.get("/learners?format=csv"))
    assert rows[0]["Name"] == "'" + name  # the apostrophe: shown as text by the spreadsheet
    _, xrows = read_xlsx(c.get("/learners?format=xlsx"))
    cell = xrows[0]["Name"]
    assert cell.data_type == "s" and cell.value == "'" + name  # a string cell, not a formula ("f")
    assert b"<f>" not in _sheet_xml(c.get("/learners?format=xlsx"))


def _sheet_xml(response) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(response.get_data())) as z:
        return z.read("xl/worksheets/sheet1.xml")


def test_the_file_name_says_what_and_when(login_as, learners):
    c = login_as("convenor_a1")
    assert filename(c.get("/learners?format=csv")) == f"learners-{date.today().isoformat()}.csv"
    assert filename(c.get("/learners?format=xlsx")) == f"learners-{date.today().isoformat()}.xlsx"


@pytest.mark.parametrize("fmt", ["pdf", "json", "CSV ", "xls", "../etc"])
def test_a_format_not_offered_is_a_clear_400(login_as, learners, fmt):
    c = login_as("convenor_a1")
    response = c.get("/learners", query_string={"format": fmt})
    if fmt.strip().lower() == "csv":
        assert response.status_code == 200  # a case or space slip is forgiven
        return
    assert response.status_code == 400
    assert "Lists can be downloaded as CSV or XLSX only" in response.get_data(as_text=True)
    assert exports_audited() == []


def test_an_empty_format_is_the_page_itself(login_as, learners):
    response = login_as("convenor_a1").get("/learners?format=")
    assert response.status_code == 200 and "text/html" in response.headers["Content-Type"]


def test_the_list_page_links_to_both_downloads_with_its_filters(login_as, learners):
    page = login_as("convenor_a1").get("/learners?staff_category=site&page=1").get_data(as_text=True)
    assert 'href="/learners?staff_category=site&amp;format=csv"' in page
    assert 'href="/learners?staff_category=site&amp;format=xlsx"' in page
    assert "Download CSV" in page and "Download XLSX" in page


# --- every list -------------------------------------------------------------------------------------

#: list page endpoint -> (URL, the heading naming a row, the audit's object type)
LISTS = {
    "learners.learners": ("/learners", "Name", "learner"),
    "learners.courses": ("/learners/courses", "Title", "course"),
    "reps.reps": ("/reps", "ULR", "rep"),
    "cases.cases": ("/cases", "Case", "case"),
    "timeoff.requests": ("/time-off", "Request number", "time_off_request"),
    "agreements.agreements": ("/agreements", "Agreement", "agreement"),
    "dataprotection.requests": ("/subject-access-requests", "Person", "subject_access_request"),
    "funding.projects": ("/projects", "Project", "project"),
    "organisation.regions": ("/regions", "Region", "region"),
    "organisation.branches": ("/branches", "Branch", "branch"),
    "organisation.employers": ("/employers", "Employer", "employer"),
    "organisation.workplaces": ("/workplaces", "Workplace", "workplace"),
    "admin.users": ("/admin/users", "Name", "user_account"),
}


def _url_of(app, endpoint: str) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint)


def test_the_table_names_the_real_urls(app):
    for endpoint, (url, _h, _t) in LISTS.items():
        assert _url_of(app, endpoint) == url, endpoint


@pytest.fixture
def records(world, programmes):
    """A few records of every listed kind in branches A1, A2 and B1 (and the ULR user's own, in A1).
    -> {list endpoint: {key: the value of the list's naming heading}}."""
    from flask import g

    from tests.api.helpers import agreements_of, reps_of, requests_of
    from tests.cases.helpers import scoped_cases
    from tests.dataprotection.helpers import make_sar
    from tests.funding.helpers import project
    from tests.learners.helpers import course

    g.audit_actor_label = "test set-up"
    reps = reps_of(world)
    time_off = requests_of(world)
    agreements = agreements_of(world)
    cases = scoped_cases(world)
    sars = {k: make_sar(getattr(world.branches, k), person_name=f"Person of {k}") for k in ("a1", "a2", "b1")}
    projects = {k: project(world, programmes, branch=getattr(world.branches, k), name=f"Project of {k}")
                for k in ("a1", "a2", "b1")}
    course("Maths for work", category="skills_for_life", subject="numeracy", level="level_1")
    course("Using a tablet", category="ict", subject="ict", level="entry_3")
    db.session.commit()
    w = world
    return {
        "reps.reps": {k: getattr(reps, k).name for k in ("a1", "a1_other", "a2", "b1")},
        "timeoff.requests": {k: str(getattr(time_off, k).id) for k in ("a1", "a1_other", "a2", "b1")},
        "agreements.agreements": {k: getattr(agreements, k).title for k in ("a1", "a2", "b1")},
        "cases.cases": {k: getattr(cases, k).summary for k in ("a1", "a1_ulr", "a2", "b1")},
        "dataprotection.requests": {k: s.person_name for k, s in sars.items()},
        "funding.projects": {k: p.name for k, p in projects.items()},
        "organisation.employers": {k: getattr(w.employers, k).name for k in ("a1", "a2", "b1")},
        "organisation.workplaces": {k: getattr(w.workplaces, k).name
                                    for k in ("school_a1", "service_a1", "school_a2", "school_b1")},
        "organisation.branches": {k: getattr(w.branches, k).name for k in ("a1", "a2", "b1")},
        "organisation.regions": {"a": w.regions.a.name, "b": w.regions.b.name},
        "learners.courses": {"maths": "Maths for work", "tablet": "Using a tablet"},
    }


def _names(response, heading: str) -> list[str]:
    return [r[heading] for r in read_csv(response)]


def _xlsx_names(response, heading: str) -> list[str]:
    _, rows = read_xlsx(response)
    return [str(r[heading].value) for r in rows]


@pytest.mark.parametrize("endpoint", sorted(set(LISTS) - {"learners.learners"}))
def test_every_list_downloads_as_csv_and_xlsx_with_the_same_headings_and_rows(login_as, records, endpoint):
    url, heading, object_type = LISTS[endpoint]
    c = login_as("admin")
    as_csv, as_xlsx = c.get(f"{url}?format=csv"), c.get(f"{url}?format=xlsx")
    headings, xrows = read_xlsx(as_xlsx)
    assert headings == csv_headings(as_csv)
    assert heading in headings and headings[-1].endswith("number")  # ids last
    names = _names(as_csv, heading)
    assert names == _xlsx_names(as_xlsx, heading)
    if endpoint in records:
        assert set(records[endpoint].values()) <= set(names)
    # every row of the list, not a page of it
    assert len(names) == len(_names(c.get(f"{url}?format=csv&per_page=1&page=1"), heading))
    assert len(names) >= 2
    audited = exports_audited()
    assert [e.object_type for e in audited] == [object_type, object_type, object_type]
    assert audited[0].summary.endswith(" as CSV") and audited[1].summary.endswith(" as XLSX")
    assert f"({len(names)} rows, filters: " in audited[0].summary
    page = c.get(url).get_data(as_text=True)
    assert "Download CSV" in page and "Download XLSX" in page


#: (list, role, keys that must be in the file, keys that must not)
SCOPES = [
    ("reps.reps", "convenor_a1", {"a1", "a1_other"}, {"a2", "b1"}),
    ("reps.reps", "ulr_a1", {"a1"}, {"a1_other", "a2", "b1"}),
    ("reps.reps", "organiser_a", {"a1", "a1_other", "a2"}, {"b1"}),
    ("timeoff.requests", "convenor_a1", {"a1", "a1_other"}, {"a2", "b1"}),
    ("timeoff.requests", "ulr_a1", {"a1"}, {"a1_other", "a2", "b1"}),
    ("timeoff.requests", "organiser_a", {"a1", "a1_other", "a2"}, {"b1"}),
    ("agreements.agreements", "convenor_a1", {"a1"}, {"a2", "b1"}),
    ("agreements.agreements", "ulr_a1", {"a1"}, {"a2", "b1"}),
    ("agreements.agreements", "organiser_a", {"a1", "a2"}, {"b1"}),
    ("cases.cases", "convenor_a1", {"a1", "a1_ulr"}, {"a2", "b1"}),
    ("cases.cases", "ulr_a1", {"a1_ulr"}, {"a1", "a2", "b1"}),
    ("cases.cases", "organiser_a", {"a1", "a1_ulr", "a2"}, {"b1"}),
    ("dataprotection.requests", "convenor_a1", {"a1"}, {"a2", "b1"}),
    ("dataprotection.requests", "organiser_a", {"a1", "a2"}, {"b1"}),
    ("funding.projects", "convenor_a1", {"a1"}, {"a2", "b1"}),
    ("funding.projects", "organiser_a", {"a1", "a2"}, {"b1"}),
    ("organisation.employers", "convenor_a1", {"a1"}, {"a2", "b1"}),
    ("organisation.employers", "organiser_a", {"a1", "a2"}, {"b1"}),
    ("organisation.workplaces", "convenor_a1", {"school_a1", "service_a1"}, {"school_a2", "school_b1"}),
    ("organisation.workplaces", "organiser_a", {"school_a1", "school_a2"}, {"school_b1"}),
    ("organisation.branches", "organiser_a", {"a1", "a2"}, {"b1"}),
    ("organisation.regions", "organiser_a", {"a"}, {"b"}),
]


@pytest.mark.parametrize("endpoint, role_key, inside, outside", SCOPES,
                         ids=[f"{e}-{r}" for e, r, _i, _o in SCOPES])
def test_an_export_holds_only_the_users_scope(login_as, records, endpoint, role_key, inside, outside):
    url, heading, _t = LISTS[endpoint]
    c = login_as(role_key)
    names = set(_names(c.get(f"{url}?format=csv"), heading))
    assert names == set(_xlsx_names(c.get(f"{url}?format=xlsx"), heading))
    known = records[endpoint]
    assert {known[k] for k in inside} <= names
    assert not {known[k] for k in outside} & names
    # and the file has what the page shows, no more
    page = c.get(f"{url}?per_page=100").get_data(as_text=True)
    for name in names:
        if heading != "Request number":
            from markupsafe import escape

            assert str(escape(name)) in page, name


#: (list, query string, keys that must be in the file, keys that must not) for an administrator
FILTERS = [
    ("reps.reps", "q=camden", {"a2"}, {"a1", "a1_other", "b1"}),
    ("timeoff.requests", "branch_id={a2}", {"a2"}, {"a1", "a1_other", "b1"}),
    ("agreements.agreements", "q=camden", {"a2"}, {"a1", "b1"}),
    ("cases.cases", "q=newcastle", {"b1"}, {"a1", "a1_ulr", "a2"}),
    ("dataprotection.requests", "branch_id={b1}", {"b1"}, {"a1", "a2"}),
    ("funding.projects", "branch_id={a1}", {"a1"}, {"a2", "b1"}),
    ("organisation.employers", "q=camden", {"a2"}, {"a1", "b1"}),
    ("organisation.workplaces", "kind=service", {"service_a1"}, {"school_a1", "school_a2", "school_b1"}),
    ("organisation.branches", "q=newc", {"b1"}, {"a1", "a2"}),
    ("organisation.regions", "q=north", {"b"}, {"a"}),
    ("learners.courses", "category=ict", {"tablet"}, {"maths"}),
]


@pytest.mark.parametrize("endpoint, query, inside, outside", FILTERS, ids=[f[0] for f in FILTERS])
def test_an_export_has_only_the_filtered_rows(login_as, world, records, endpoint, query, inside, outside):
    url, heading, _t = LISTS[endpoint]
    query = query.format(**{k: getattr(world.branches, k).id for k in ("a1", "a2", "b1")})
    c = login_as("admin")
    known = records[endpoint]
    for fmt in ("csv", "xlsx"):
        response = c.get(f"{url}?{query}&format={fmt}")
        names = set(_names(response, heading) if fmt == "csv" else _xlsx_names(response, heading))
        assert {known[k] for k in inside} <= names, fmt
        assert not {known[k] for k in outside} & names, fmt
    assert "filters: " + query.split("=")[0] in exports_audited()[0].summary


def test_the_users_list_is_filtered_and_never_holds_a_secret(login_as, world):
    c = login_as("admin")
    rows = read_csv(c.get("/admin/users?role=learning_rep&format=csv"))
    assert sorted(r["E-mail address"] for r in rows) == ["ulr.barnet@example.org", "ulr.newcastle@example.org"]
    assert rows[0]["Role"] and rows[0]["Can sign in"] == "Yes"
    body = c.get("/admin/users?format=csv").get_data(as_text=True).lower()
    assert "password" not in body and "hash" not in body and "secret" not in body
    assert exports_audited()[0].object_type == "user_account"


def test_a_ulr_sees_you_on_their_own_time_off_requests(login_as, records):
    rows = read_csv(login_as("ulr_a1").get("/time-off?format=csv"))
    assert [r["Who for"] for r in rows] == ["You"]
    assert rows[0]["Kind"] == "ULR duties" and rows[0]["Hours"] == "3.00"


def test_a_case_summary_that_looks_like_a_formula_stays_text(login_as, world):
    from tests.cases.helpers import case

    case(world, "=1+2 cover refused")
    c = login_as("convenor_a1")
    assert read_csv(c.get("/cases?format=csv"))[0]["Case"] == "'=1+2 cover refused"
    _, rows = read_xlsx(c.get("/cases?format=xlsx"))
    assert rows[0]["Case"].data_type == "s" and rows[0]["Case"].value == "'=1+2 cover refused"


# --- who may download: the same as who may see the page ---------------------------------------------

def test_each_role_may_download_exactly_the_lists_it_may_see(app, world, make_client):
    from tests.test_permissions import EXPECTED, ROLE_OF, ROLES

    problems = []
    for role_key in (None,) + ROLES:
        client = make_client()
        if role_key:
            client.login(getattr(world.users, role_key).email)
        for endpoint, (url, _h, _t) in LISTS.items():
            allowed = EXPECTED[endpoint][1]
            for fmt in ("csv", "xlsx"):
                got = client.get(f"{url}?format={fmt}")
                if role_key is None:
                    want, ok = "sign-in", got.status_code == 302
                elif ROLE_OF[role_key] in allowed:
                    want, ok = "the file", got.status_code == 200 and "attachment" in got.headers.get(
                        "Content-Disposition", "")
                else:
                    want, ok = "403", got.status_code == 403
                if not ok:
                    problems.append(f"{url}?format={fmt} as {role_key or 'anonymous'}: got {got.status_code}, "
                                    f"want {want}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("endpoint", sorted(LISTS))
def test_every_list_refuses_a_format_it_does_not_offer(login_as, endpoint):
    url = LISTS[endpoint][0]
    response = login_as("admin").get(f"{url}?format=pdf")
    assert response.status_code == 400
    assert "Lists can be downloaded as CSV or XLSX only" in response.get_data(as_text=True)


# --- the records behind a report's figure -------------------------------------------------------------

def test_the_records_behind_a_figure_download_with_the_reports_scope_and_narrowing(world, login_as, programmes):
    from tests.reports import helpers as h

    h.request(world, status="refused", decided_on="2026-05-05", refusal_reason="cover", requested_on="2026-05-01")
    h.request(world, status="granted", decided_on="2026-05-06", requested_on="2026-05-02", workplace="service_a1")
    c = h.course()
    for n in range(6):
        h.enrolment(h.learner(world, name=f"Site Worker {n}", staff_category="site", ethnicity="White British"), c,
                    started_on="2026-05-01")
    h.enrolment(h.learner(world, "a2", workplace="school_a2", name="Camden Site Worker", staff_category="site"), c,
                started_on="2026-05-01")
    convenor = login_as("convenor_a1")
    base = "/reports/time-off/records?from=2026-04-01&to=2027-03-31"
    page = convenor.get(f"{base}&status=refused").get_data(as_text=True)
    assert "Download CSV" in page and "format=csv" in page
    rows = read_csv(convenor.get(f"{base}&status=refused&format=csv"))
    assert len(rows) == 1 and rows[0]["Details"].startswith("Refused") and rows[0]["Kind of record"]
    assert len(read_csv(convenor.get(f"{base}&format=csv"))) == 2
    site = "/reports/equality/records?from=2026-04-01&to=2027-03-31&dimension=staff_category&value=site"
    headings, xrows = read_xlsx(convenor.get(f"{site}&format=xlsx"))
    assert headings == ["Record", "Details", "Kind of record", "Record number"]  # no equality column, ever
    names = sorted(r["Record"].value for r in xrows)
    assert names == [f"Site Worker {n}" for n in range(6)]  # not Camden's: the convenor's branch only
    audited = exports_audited()
    assert [e.object_type for e in audited] == ["report_records"] * 3
    assert "status=refused" in audited[0].summary and audited[2].summary.endswith("as XLSX")
    # the same refusals as the page: a suppressed group or a special-category one has no file either
    assert convenor.get("/reports/equality/records?from=2026-04-01&to=2027-03-31&dimension=ethnicity"
                        "&value=White%20British&format=csv").status_code == 404
    assert login_as("ulr_a1").get(f"{site}&format=csv").status_code == 403
    assert convenor.get(f"{site}&format=pdf").status_code == 400


def test_a_funding_returns_and_the_coverage_reports_records_download(world, login_as, programmes):
    from tests.reports import helpers as h

    p = h.project(world, programmes["ulf"], name="Barnet learning project",
                  targets={("FY2026-Q1", "learners_engaged"): 10})
    c = h.course()
    h.enrolment(h.learner(world, name="=Pat Example"), c, project=p, status="achieved", started_on="2026-04-10",
                completed_on="2026-05-20", achieved_on="2026-06-01")
    h.agreement(world)
    organiser = login_as("organiser_a")
    rows = read_csv(organiser.get(f"/projects/{p.id}/returns/FY2026-Q1/learners_engaged?format=csv"))
    assert [r["Record"] for r in rows] == ["'=Pat Example"]  # guarded
    response = organiser.get("/reports/schools-coverage/schools?format=xlsx")
    _, xrows = read_xlsx(response)
    assert "Brunswick Park Primary School" in {r["Record"].value for r in xrows}
    assert filename(response).startswith("schools-of-employers-with-an-agreement-in-force-")
    assert login_as("convenor_b1").get(f"/projects/{p.id}/returns/FY2026-Q1/learners_engaged?format=csv"
                                       ).status_code == 404  # another region's project


# --- a big list: read in batches, streamed, a fixed number of queries a batch ---------------------------

def _export_queries(login_as, count_queries, url: str) -> int:
    c = login_as("convenor_a1")
    with count_queries() as q:
        response = c.get(url)
        assert response.status_code == 200
        response.get_data()
    return q.count


def test_the_rows_are_read_in_batches_with_no_query_a_row(login_as, world, count_queries, monkeypatch):
    """Batches of 3 (BATCH made small): 7 learners take one batch more than 4 do, whatever the rows need
    (workplace, employer, branch, ULR, stage): each batch's extra queries are a fixed few, not one a row."""
    from ulr_app.core import listexport

    monkeypatch.setattr(listexport, "BATCH", 3)
    r = rep(world, name="Pat Jones")
    for n in range(4):
        learner(world, name=f"Learner {n}", rep=r, workplace="service_a1" if n % 2 else "school_a1")
    four = _export_queries(login_as, count_queries, "/learners?format=csv")
    for n in range(4, 7):
        learner(world, name=f"Learner {n}", rep=r)
    seven = _export_queries(login_as, count_queries, "/learners?format=csv")
    assert len(read_csv(login_as("convenor_a1").get("/learners?format=csv"))) == 7
    per_batch = seven - four  # 4 rows are 2 batches, 7 rows 3
    assert 0 < per_batch <= 6, (four, seven)
    assert _export_queries(login_as, count_queries, "/learners?format=xlsx") == seven


def test_the_csv_is_streamed_and_the_batches_are_small(login_as, world, monkeypatch):
    from ulr_app.core import listexport

    monkeypatch.setattr(listexport, "BATCH", 2)
    seen: list[int] = []
    real = listexport._batches

    def spy(rows):
        for part in real(rows):
            seen.append(len(part))
            yield part

    monkeypatch.setattr(listexport, "_batches", spy)
    for n in range(5):
        learner(world, name=f"Learner {n}")
    response = login_as("convenor_a1").get("/learners?format=csv")
    assert response.is_streamed
    assert len(read_csv(response)) == 5
    assert seen == [2, 2, 1]


def test_an_employers_page_downloads_its_workplaces(login_as, world):
    c = login_as("convenor_a1")
    employer = world.employers.a1
    page = c.get(f"/employers/{employer.id}?kind=service").get_data(as_text=True)
    link = f'href="/workplaces?employer_id={employer.id}&amp;kind=service&amp;format=csv"'
    assert link in page and "Download XLSX" in page
    rows = read_csv(c.get(f"/workplaces?employer_id={employer.id}&kind=service&format=csv"))
    assert [r["Workplace"] for r in rows] == ["Barnet Housing"]
    assert {r["Employer"] for r in read_csv(c.get(f"/workplaces?employer_id={employer.id}&format=csv"))} == {
        employer.name}
