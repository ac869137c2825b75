"""Report figures kept while nothing has changed (issue 13).

A report sums a whole region: the equality report reads 21,000 learners of a national region (160 ms), the
time-off and schools-coverage reports 90 to 140 ms, and an organiser opens the same report again and again
(on the page, then its CSV, then a different section of it). Each worker keeps the documents it has built,
for the user who asked, and hands the same one back while:

- the data generation (``core/generation.py``) is the same: no change to any record has been committed
  since, by any worker, job or command;
- it is the same day (reports are as of today);
- it is less than :data:`KEEP_SECONDS` old (the generation cannot see SQL written by hand outside the ORM).

Kept per user (the user's id is part of the key), never shared between users, so one user's scope can
never serve another. At most :data:`KEEP` documents per worker, the least recently used dropped first.
Reading a document from here is one statement (the generation) instead of a report's 5 to 23. The document
handed back is the one kept, not a copy (a national time-off report has 662 rows: copying it took 19 ms), so
what uses it only reads it: the pages, CSV and the quarterly return do (tests/reports/test_report_cache.py).
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import date
from typing import Any, Callable, Hashable, Mapping

from ..core import generation
from ..extensions import db

#: how long a document is kept at most, in seconds
KEEP_SECONDS = 300
#: how many documents a worker keeps at most
KEEP = 256

_kept: "OrderedDict[Hashable, tuple[float, Any]]" = OrderedDict()
_lock = threading.Lock()


def _frozen(params: Mapping[str, Any]) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in params.items()))


def kept_or_built(report: str, params: Mapping[str, Any], user, build: Callable[[], Any], *,
                  variant: Hashable = None) -> Any:
    """The document ``build()`` makes for ``report`` with ``params`` for ``user``: the one kept, if still
    good (see the module's doc), else a new one, which is then kept."""
    gen = generation.current(db.session)
    if gen is None:
        return build()
    # the database too: two apps in one process (the bench's two scales) never share a document
    key = (db.engine.url.render_as_string(hide_password=True), report, _frozen(params), variant,
           getattr(user, "id", None), gen, date.today())
    now = time.monotonic()
    with _lock:
        found = _kept.get(key)
        if found is not None and now - found[0] < KEEP_SECONDS:
            _kept.move_to_end(key)
            return found[1]  # the same object: pages and exports only read a document (tested)
    doc = build()
    with _lock:
        _kept[key] = (now, doc)
        _kept.move_to_end(key)
        while len(_kept) > KEEP:
            _kept.popitem(last=False)
    return doc


def clear() -> None:
    """Forget every kept document (tests; after hand-written changes to the database)."""
    with _lock:
        _kept.clear()


def size() -> int:
    return len(_kept)
