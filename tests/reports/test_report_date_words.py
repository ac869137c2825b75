"""A report's date in its address is written the house way; a bad one is answered in plain words
(issue 12, item 8: no "2026-04-01" format hints)."""
from __future__ import annotations


def test_the_message_is_in_the_house_format():
    from ulr_app.reports.views import DATE_PROBLEM

    assert DATE_PROBLEM == "Enter a real date, like 31 3 2026."


def test_report_dates_the_house_way(login_as, world):
    c = login_as("convenor_a1")
    response = c.get("/reports/schools-coverage?as_of=31 2 2026")
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "2026-04-01" not in body and "YYYY" not in body
    assert c.get("/reports/schools-coverage?as_of=31 3 2026").status_code == 200
    assert c.get("/reports/schools-coverage?as_of=2026-03-31").status_code == 200  # older links
    response = c.get("/reports/time-off?from=1 4 2026&to=nonsense")
    assert response.status_code == 400 and "2026-04-01" not in response.get_data(as_text=True)
    assert c.get("/reports/time-off?from=1 4 2026&to=30 9 2026").status_code == 200
