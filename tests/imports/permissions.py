"""Page permission expectations for imports, merged into tests/test_permissions.py EXPECTED.

endpoint -> (methods, roles allowed, resolver(world, role_key) -> (in-scope kwargs, out-of-scope kwargs or None),
public?). Convenors import for their branch (out of scope: branch A2), organisers for their region's branches (out:
region B's), administrators anywhere; ULRs get 403. A run belongs to its branch: another branch's answers 404."""
from __future__ import annotations

IMPORTERS = frozenset({"admin", "regional_organiser", "branch_convenor"})

BRANCHES = {"organiser_a": ("a2", "b1"), "convenor_a1": ("a1", "a2"), "ulr_a1": ("a1", "b1"), "admin": ("b1", None)}


def _branches(w, role_key):
    inside, outside = BRANCHES[role_key]
    return ({"branch_id": getattr(w.branches, inside).id},
            {"branch_id": getattr(w.branches, outside).id} if outside else None)


def _runs(w, role_key):
    """A finished run of an in-scope branch, and one of an out-of-scope branch (confirming a finished run is
    refused with a message, so the confirm route changes nothing here)."""
    from ulr_app.extensions import db
    from ulr_app.imports.models import ImportRun

    def make(branch_key):
        if branch_key is None:
            return None
        branch = getattr(w.branches, branch_key)
        run = ImportRun(branch_id=branch.id, kind="reps", status="done", original_name="reps.csv", file_format="csv",
                        size_bytes=10, sha256="0" * 64, row_count=1, counts={"new": 1}, problems=[])
        db.session.add(run)
        db.session.flush()
        return {"branch_id": branch.id, "run_id": run.id}

    inside, outside = BRANCHES[role_key]
    out = make(inside), make(outside)
    db.session.commit()
    return out


def _template(w, role_key):
    return {"kind": "learners", "fmt": "xlsx"}, None


PAGES: dict = {
    "imports.index": (("GET", "POST"), IMPORTERS, _branches, False),
    "imports.run": (("GET",), IMPORTERS, _runs, False),
    "imports.confirm": (("POST",), IMPORTERS, _runs, False),
    "imports.template": (("GET",), IMPORTERS, _template, False),
}
