"""Page permission expectations for the e-mail outbox, merged into tests/test_permissions.py EXPECTED
(endpoint -> (methods, roles allowed, resolver or None, public?)). Only administrators see the outbox;
for them every message is in scope."""
from __future__ import annotations

ADMIN = frozenset({"admin"})


def _message(w, role_key):
    from ulr_app.extensions import db
    from ulr_app.mail.models import OutboxMessage

    message = OutboxMessage(to_address=w.users.convenor_a1.email, subject="Reminders", body="Hello",
                            status="logged", attempts=1, user_id=w.users.convenor_a1.id)
    db.session.add(message)
    db.session.commit()
    return {"message_id": message.id}, None


PAGES = {
    "mail.outbox": (("GET",), ADMIN, None, False),
    "mail.message": (("GET",), ADMIN, _message, False),
}
