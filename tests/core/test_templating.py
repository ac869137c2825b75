import pytest

from ulr_app.core.templating import nav_section, uk_date


@pytest.mark.parametrize("endpoint,section", [
    ("home.index", "index"), ("organisation.regions", "region"), ("organisation.region", "region"),
    ("organisation.branches", "branch"), ("organisation.new_branch", "branch"), ("organisation.edit_employer", "employer"),
    ("organisation.new_workplace", "workplace"), ("admin.users", "user"), ("admin.reset_password", "user"),
    ("admin.audit_log", "audit"), ("accounts.profile", "account"), (None, ""),
    ("agreements.agreements", "agreement"), ("agreements.new_agreement", "agreement"), ("agreements.agreement", "agreement"),
    ("agreements.edit_agreement", "agreement"), ("agreements.change_status", "agreement"), ("agreements.coverage_csv", "agreement"),
    ("agreements.named_schools", "agreement"), ("agreements.draft", "agreement"), ("agreements.upload_signed", "agreement"),
])
def test_nav_section(endpoint, section):
    assert nav_section(endpoint) == section


def test_uk_date():
    from datetime import date, datetime, timezone

    assert uk_date(date(2026, 3, 1)) == "1 March 2026"
    assert uk_date(datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc)) == "1 July 2026"  # BST
    assert uk_date(None) == ""
