"""Draft agreement documents: an Agreement + a clause set -> an HTML page fragment or a PDF.

Reads only; storing a generated PDF (AgreementDocument, its hash and the audit entry) is the
services' job. Needs an app context (for the templates), not a request.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from flask import current_app

from ..core.pdf import render_pdf
from ..core.templating import uk_date
from .clauses import Document, agreement_values, build_document

PDF_TEMPLATE = "pdf/agreement.html"
FRAGMENT_TEMPLATE = "agreements/_document.html"


def build(agreement: Any, set_code: Optional[str] = None) -> Document:
    """The agreement as a Document, from ``set_code`` (default: the agreement's own clause set)."""
    code = set_code or agreement.clause_set
    if not code:
        raise ValueError("Choose a clause set for this agreement first.")
    return build_document(code, agreement_values(agreement))


def _render(template: str, document: Document, today: Optional[date] = None) -> str:
    return current_app.jinja_env.get_template(template).render(
        document=document, generated_on=uk_date(today or date.today()))


def draft_html(agreement: Any, set_code: Optional[str] = None, *, today: Optional[date] = None) -> str:
    """The draft as an HTML fragment (GOV.UK classes) to include in a page."""
    return _render(FRAGMENT_TEMPLATE, build(agreement, set_code), today)


def document_html(document: Document, *, today: Optional[date] = None) -> str:
    """The full printable HTML document the PDF is made from."""
    return _render(PDF_TEMPLATE, document, today)


def draft_pdf(agreement: Any, set_code: Optional[str] = None, *, today: Optional[date] = None) -> tuple[bytes, Document]:
    """``(pdf_bytes, document)``: ``document.flagged_json()`` is what to store with the PDF."""
    document = build(agreement, set_code)
    return render_pdf(document_html(document, today=today)), document
