"""Timeline lines name the changed fields in plain words (issue 12, item 8): never the field names."""
from __future__ import annotations

import pytest

from ulr_app.core.timeline import changed_text, field_words


@pytest.mark.parametrize(("fields", "labels", "expected"), [
    (["review_on", "status"], None, "Changed the review date and the status"),
    (["summary", "due_on"], None, "Changed the summary and the due date"),
    (["location"], None, "Changed the location"),
    (["name", "training_course", "workplace_id"], None, "Changed the name, the training course and the workplace"),
    (["starts_at", "duration_hours"], None, "Changed the start time and the length"),
    (["owner_id", "learner_id"], None, "Changed the person working on it and the learner"),
    (["ulr_places"], None, "Changed the ULR places"),
    (["schools_scope"], {"schools_scope": "whether schools are covered"}, "Changed whether schools are covered"),
    (["review_on", "review_on"], None, "Changed the review date"),
    ([], None, "Changed"),
])
def test_changed_text(fields, labels, expected):
    assert changed_text(fields, labels) == expected
    assert "_" not in changed_text(fields, labels)


@pytest.mark.parametrize(("name", "expected"), [
    ("decided_on", "the date of the decision"), ("review_on", "the review date"),
    ("signed_on", "the date of signing"), ("expires_on", "the expiry date"), ("review_due_on", "the review date"), ("created_at", "the created time"), ("employer_id", "the employer"),
    ("email", "the e-mail address"), ("rep_id", "the ULR"),
])
def test_field_words(name, expected):
    assert field_words(name) == expected
