"""Page permission expectations for this domain, merged into tests/test_permissions.py EXPECTED.

endpoint -> (methods, roles allowed, resolver(world, role_key) -> (in-scope kwargs, out-of-scope kwargs
or None), public?)."""
from __future__ import annotations

ALL = frozenset({"admin", "regional_organiser", "branch_convenor", "learning_rep"})
ADMIN = frozenset({"admin"})

PAGES: dict = {}
