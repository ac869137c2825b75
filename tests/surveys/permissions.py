"""Page permission expectations for surveys, merged into tests/test_permissions.py EXPECTED.

endpoint -> (methods, roles allowed, resolver(world, role_key) -> (in-scope kwargs, out-of-scope kwargs or None),
public?). A ULR sees the surveys they follow up (another ULR's survey of their branch: 404); a convenor their
branch's; an organiser their region's (and reads only); the answering page and its thank-you page are public."""
from __future__ import annotations

ALL = frozenset({"admin", "regional_organiser", "branch_convenor", "learning_rep"})
EDITORS = frozenset({"admin", "branch_convenor", "learning_rep"})
MANAGERS = frozenset({"admin", "regional_organiser", "branch_convenor"})


def _surveys(w, role_key):
    from tests.surveys.helpers import scoped_surveys

    inside, outside = scoped_surveys(w, role_key, status="draft")
    return {"survey_id": inside.id}, ({"survey_id": outside.id} if outside else None)


def _open_action(w, role_key):
    inside, outside = _surveys(w, role_key)
    return {**inside, "action": "open"}, ({**outside, "action": "open"} if outside else None)


def _token(w, role_key):
    from tests.surveys.helpers import scoped_surveys

    inside, _outside = scoped_surveys(w, role_key)
    return {"token": inside.token}, None


PAGES: dict = {
    "surveys.surveys": (("GET",), ALL, None, False),
    "surveys.new_survey": (("GET", "POST"), EDITORS, None, False),
    "surveys.survey": (("GET",), ALL, _surveys, False),
    "surveys.edit_survey": (("GET", "POST"), EDITORS, _surveys, False),
    "surveys.staff_numbers": (("GET", "POST"), EDITORS, _surveys, False),
    "surveys.change_status": (("GET", "POST"), EDITORS, _open_action, False),
    "surveys.poster_pdf": (("GET",), ALL, _surveys, False),
    "surveys.surveyed_schools": (("GET",), MANAGERS, None, False),
    "surveys.answer": (("GET",), ALL, _token, True),
    "surveys.thanks": (("GET",), ALL, _token, True),
    "survey_results.results": (("GET",), ALL, _surveys, False),
    "survey_results.branch_results": (("GET",), MANAGERS, None, False),
}
