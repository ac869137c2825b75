"""API role x route expectations for this domain, merged into tests/api/test_scope.py EXPECTED."""
from __future__ import annotations

EXPECTED: dict = {}
