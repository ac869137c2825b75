"""Subject access requests for the data-protection tests."""
from __future__ import annotations

from datetime import date, timedelta


def make_sar(branch, **data):
    from ulr_app.dataprotection import services

    data.setdefault("person_name", "Pat Example")
    data.setdefault("received_on", (date.today() - timedelta(days=3)).isoformat())
    return services.create_request(data, branch=branch)


#: (in-scope branch, out-of-scope branch or None) for each role key of the permission tables
SCOPE = {"organiser_a": ("a2", "b1"), "convenor_a1": ("a1", "a2"), "ulr_a1": ("a1", "b1"), "admin": ("b1", None)}


def scoped_sars(w, role_key):
    """(in-scope request, out-of-scope request or None) for a role, committed."""
    from ulr_app.extensions import db

    inside, outside = SCOPE[role_key]
    made_in = make_sar(getattr(w.branches, inside))
    made_out = make_sar(getattr(w.branches, outside)) if outside else None
    db.session.commit()
    return made_in, made_out


def ready_export(sar_id: int) -> int:
    """An export of the request whose file is made (the job run here, not in a thread), committed; its id."""
    from flask import current_app
    from sqlalchemy import select

    from ulr_app.accounts.models import User
    from ulr_app.core import jobs
    from ulr_app.dataprotection import services
    from ulr_app.dataprotection.models import SubjectAccessRequest
    from ulr_app.extensions import db

    sar = db.session.get(SubjectAccessRequest, sar_id)
    admin = db.session.scalars(select(User).where(User.role == "admin")).first()
    with current_app.test_request_context("/"):
        export = services.start_export(sar, search={"name": sar.person_name}, redactions="", user=admin)
    db.session.info.pop("jobs_to_start", None)  # run it here instead of in a thread
    db.session.commit()
    jobs.run(export.job_id)
    return export.id
