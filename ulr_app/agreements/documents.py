"""Agreement documents: an Agreement + a clause set -> an HTML page fragment or a PDF, and what a
stored document is called.

Before signing the generated document is a draft (marked DRAFT). After signing it is not the
agreement itself but a copy generated on its date from the clause set of its version, so it is
called a copy and says so, beside the uploaded signed copy (the signed original).

Reads only; storing a generated PDF (AgreementDocument, its hash and the audit entry) is the
services' job. Needs an app context (for the templates), not a request.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from flask import current_app

from ..core import csvio
from ..core.pdf import render_pdf
from ..core.templating import UK, uk_date
from .clauses import Document, agreement_values, build_document, list_sets

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


# --- what a stored document is --------------------------------------------------------------

SIGNED, COPY, DRAFT = "signed", "copy", "draft"


def document_kind(doc: Any, agreement: Any = None) -> str:
    """``"signed"`` (the uploaded signed copy), ``"copy"`` (generated once the agreement was signed)
    or ``"draft"`` (generated before). Documents stored before the agreement's status was kept with
    them count as copies when made after the signing date of an agreement that is signed."""
    if doc.kind == "signed":
        return SIGNED
    if doc.agreement_status is not None:
        return COPY if doc.agreement_status == "signed" else DRAFT
    agreement = agreement if agreement is not None else doc.agreement
    made = _local_day(doc.created_at)
    if agreement.status == "signed" and agreement.signed_on and made and made > agreement.signed_on:
        return COPY
    return DRAFT


def _local_day(moment) -> Optional[date]:
    if moment is None:
        return None
    return (moment.astimezone(UK) if moment.tzinfo else moment).date()


def set_label(code: Optional[str], version: Optional[str] = None) -> str:
    """A clause set in words: its name and version from the library (the version stored with the
    document when there is one), or its code when the library no longer has it."""
    names = {c: (name, v) for c, name, v in list_sets()}
    name, current = names.get(code or "", (code or "an unknown clause set", None))
    version = version or current
    return f"{name}, version {version}" if version else name


def label(doc: Any, agreement: Any = None) -> str:
    """What the agreement's page calls a stored document: "Signed copy 1", "Copy 2", "Draft 3"."""
    return {SIGNED: "Signed copy", COPY: "Copy", DRAFT: "Draft"}[document_kind(doc, agreement)] + f" {doc.number}"


def copy_note(doc: Any, agreement: Any = None) -> Optional[str]:
    """For a copy made after signing: "A copy generated on 7 December 2026 from the clause set
    <name>, version <v>"; None for drafts and the signed copy."""
    if document_kind(doc, agreement) != COPY:
        return None
    return (f"A copy generated on {uk_date(_local_day(doc.created_at))} from the clause set "
            f"{set_label(doc.clause_set, doc.clause_set_version)}")


def file_name(doc: Any, agreement: Any) -> str:
    """The download's name: ``<title>-signed-1.pdf``, ``<title>-copy-2.pdf`` or ``<title>-draft-3.pdf``."""
    return csvio.safe_filename(agreement.title, document_kind(doc, agreement), doc.number, extension="pdf")
