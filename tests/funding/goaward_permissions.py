"""Page permission expectations for the Go Award standards and evidence, merged into
tests/test_permissions.py EXPECTED.

endpoint -> (methods, roles allowed, resolver(world, role_key) -> (in-scope kwargs, out-of-scope kwargs
or None), public?). In scope means an employer the role may see (and, for writers, change):
convenor_a1: Barnet (A1) vs Camden (A2); organiser_a: Camden (region A) vs Newcastle (region B);
ulr_a1: Barnet (read only) vs Newcastle; admin: Newcastle.
"""
from __future__ import annotations

ALL = frozenset({"admin", "regional_organiser", "branch_convenor", "learning_rep"})
WRITERS = frozenset({"admin", "regional_organiser", "branch_convenor"})

TINY_PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
CODE = "union_partnership"


def _employers(w, role_key):
    table = {"organiser_a": (w.employers.a2, w.employers.b1), "convenor_a1": (w.employers.a1, w.employers.a2),
             "ulr_a1": (w.employers.a1, w.employers.b1), "admin": (w.employers.b1, None)}
    return table[role_key]


def _employer(extra=None):
    def resolve(w, role_key):
        inside, outside = _employers(w, role_key)
        return tuple(None if e is None else {"employer_id": e.id, **(extra or {})} for e in (inside, outside))

    return resolve


def _evidence(w, role_key):
    """A stored document for the in-scope and the out-of-scope employer (made fresh each time, as the
    removal page deletes what it is given)."""
    from ulr_app.extensions import db
    from ulr_app.funding import goaward

    out = []
    for employer in _employers(w, role_key):
        if employer is None:
            out.append(None)
            continue
        item = goaward.add_document(employer, CODE, TINY_PDF, "partnership-minutes.pdf")
        out.append({"employer_id": employer.id, "evidence_id": item.id})
    db.session.commit()
    return out[0], out[1]


PAGES = {
    "goaward.employer_page": (("GET",), ALL, _employer(), False),
    "goaward.standard": (("GET", "POST"), WRITERS, _employer({"code": CODE}), False),
    "goaward.add_document": (("GET", "POST"), WRITERS, _employer({"code": CODE}), False),
    "goaward.add_link": (("GET", "POST"), WRITERS, _employer({"code": CODE}), False),
    "goaward.remove_evidence": (("GET", "POST"), WRITERS, _evidence, False),
    "goaward.download": (("GET",), ALL, _evidence, False),
}
