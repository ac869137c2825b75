"""Page permission expectations for two-factor sign-in and the profile's e-mail change, merged into
tests/test_permissions.py EXPECTED (same shape: endpoint -> (methods, roles allowed, resolver or None,
public?)). Everyone manages their own second factor; only administrators reset someone else's."""
from __future__ import annotations

ALL = frozenset({"admin", "regional_organiser", "branch_convenor", "learning_rep"})
ADMIN = frozenset({"admin"})


def _user(w, role_key):
    # only administrators manage users; for them every user is in scope
    return {"user_id": w.users.ulr_b1.id}, None


PAGES = {
    "accounts.sign_in_code": (("GET",), ALL, None, True),
    "accounts.confirm_identity": (("GET", "POST"), ALL, None, False),
    "accounts.change_email": (("POST",), ALL, None, False),
    "accounts.change_email_reminders": (("POST",), ALL, None, False),
    "accounts.two_factor_page": (("GET",), ALL, None, False),
    "accounts.two_factor_setup": (("GET", "POST"), ALL, None, False),
    "accounts.new_recovery_codes": (("POST",), ALL, None, False),
    "accounts.turn_off_two_factor": (("POST",), ALL, None, False),
    "admin.reset_two_factor": (("GET", "POST"), ADMIN, _user, False),
}
