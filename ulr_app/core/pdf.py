"""PDF rendering with WeasyPrint, without touching the file system or the network.

Documents are rendered from autoescaped templates fed plain data, with their CSS inlined, so a
PDF never needs an outside resource. The fetcher refuses every URL but ``data:``: a ``file:``
URL would let an attacker's text read files on the server into the PDF, and an ``http(s):``
URL would make the server call out. A refusal stops the rendering and raises
:class:`RefusedURL` instead of leaving a silent gap in the document (WeasyPrint on its own
only logs failed fetches).
"""
from __future__ import annotations

import logging
import re
import threading
from typing import Optional
from urllib import request

from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

ALLOWED_SCHEMES = frozenset({"data"})


class RefusedURL(Exception):
    """The document asked for a resource the renderer will not fetch."""

    def __init__(self, url: str, reason: str = "only data: URLs are allowed in generated PDFs") -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"Refused to fetch {_shorten(url)}: {reason}")


def _shorten(url: str) -> str:
    return url if len(url) <= 80 else url[:77] + "..."


class SafeURLFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves ``data:`` URLs and refuses everything else.

    Every refused URL is recorded in ``refused``. With ``fail_on_errors`` (the default here)
    WeasyPrint stops the rendering at the first refusal.
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("fail_on_errors", True)
        kwargs["allowed_protocols"] = ALLOWED_SCHEMES  # belt and braces: the parent checks too
        kwargs.setdefault("timeout", 1)
        super().__init__(**kwargs)
        self.refused: list[str] = []
        self.fetched: list[str] = []

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme not in ALLOWED_SCHEMES:
            self.refused.append(url)
            raise RefusedURL(url)
        self.fetched.append(url[:40])
        # decode the data: URL here rather than through the parent's opener (which also has
        # handlers for file:, http: and ftp:)
        with request.DataHandler().data_open(request.Request(url)) as response:
            return URLFetcherResponse(url, response.read(), dict(response.headers.items()))


class _Recorder(logging.Handler):
    """Collects WeasyPrint's log messages from this thread while one document renders."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


#: log messages that mean a resource was asked for and not loaded
_URL_IN_MESSAGE = re.compile(r"'([^']+)'|base URI: (\S+)|stylesheet at (\S+):")
_RESOURCE_PROBLEMS = ("Relative URI reference without a base URI", "Failed to load", "disallowed protocol")


#: relative URLs resolve against this (reserved, never resolvable) address, so that they reach
#: the fetcher and are refused rather than being dropped with only a log message
DEFAULT_BASE_URL = "https://pdf.invalid/"


def render_pdf(html: str, base_url: Optional[str] = None, *, fetcher: Optional[SafeURLFetcher] = None) -> bytes:
    """Render an HTML document (CSS inlined) to PDF bytes.

    Raises :class:`RefusedURL` if the document refers to any resource other than a ``data:``
    URL, relative URLs included. ``base_url`` only serves to resolve links; nothing is
    fetched from it.
    """
    fetcher = fetcher or SafeURLFetcher()
    recorder = _Recorder()
    logger = logging.getLogger("weasyprint")
    # logging.config.fileConfig (which Alembic's env.py calls when migrations run in-process)
    # disables every logger that already exists; WeasyPrint's must speak for the checks below
    logger.disabled = False
    logger.addHandler(recorder)
    try:
        pdf = HTML(string=html, base_url=base_url or DEFAULT_BASE_URL, url_fetcher=fetcher).write_pdf()
    except FatalURLFetchingError as exc:
        cause = exc.__cause__
        if isinstance(cause, RefusedURL):
            raise cause from None
        url = exc.args[0].partition('"')[2].rpartition('"')[0] if exc.args else ""  # 'Error fetching "<url>"'
        raise RefusedURL(url or "(unknown)", f"it could not be loaded ({cause or exc})") from exc
    finally:
        logger.removeHandler(recorder)
    if fetcher.refused:  # a fetch WeasyPrint swallowed (e.g. inside an SVG)
        raise RefusedURL(fetcher.refused[0])
    for message in recorder.messages:
        if any(problem in message for problem in _RESOURCE_PROBLEMS):
            found = _URL_IN_MESSAGE.search(message)
            raise RefusedURL(next((g for g in found.groups() if g), "") if found else "", message)
    assert pdf is not None
    return pdf


__all__ = ["RefusedURL", "SafeURLFetcher", "render_pdf"]
