"""Page permission expectations for this domain, merged into tests/test_permissions.py EXPECTED."""
from __future__ import annotations

PAGES: dict = {}
