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
    # a ULR's export has no equality columns: no read of special-category data
    login_as("ulr_a1").get("/learners?format=csv").get_data()
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "read_special")) == 1


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
