"""Sample evidence files of every accepted type, and the pure checks on names and contents
(no database). The samples are used by the service and page tests too."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from ulr_app.core.errors import ValidationFailed
from ulr_app.funding import goaward

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
            + chunk(b"IEND", b""))


def ooxml(main: str, part: str) -> bytes:
    """A minimal Office Open XML package whose [Content_Types].xml declares ``main`` for ``part``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   f'<Override PartName="/{part}" ContentType="{main}"/></Types>')
        z.writestr(part, "<document/>")
    return buffer.getvalue()


def docx() -> bytes:
    return ooxml("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "word/document.xml")


def xlsx() -> bytes:
    """A real workbook, as XlsxWriter writes it."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("Staff assessed").write(0, 0, "Literacy")
    book.close()
    return buffer.getvalue()


#: name -> (content, content type it is stored and sent with)
SAMPLES = {
    "strategy.pdf": (PDF, "application/pdf"),
    "minutes.docx": (docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "figures.xlsx": (xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "poster.png": (png(), "image/png"),
    "photo.jpg": (JPEG, "image/jpeg"),
    "photo2.JPEG": (JPEG, "image/jpeg"),
}


@pytest.mark.parametrize("content, kind", [
    (PDF, "pdf"), (png(), "png"), (JPEG, "jpeg"), (docx(), "docx"), (xlsx(), "xlsx"),
    (b"plain text", None), (b"", None), (b"PK\x03\x04 not really a zip", None),
    (ooxml("application/vnd.ms-word.document.macroEnabled.main+xml", "word/document.xml"), None),  # .docm
    (ooxml("application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", "ppt/p.xml"), None),
])
def test_sniff_tells_what_the_content_really_is(content, kind):
    assert goaward.sniff(content) == kind


def test_a_zip_without_content_types_is_not_an_office_file():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("word/document.xml", "<document/>")
    assert goaward.sniff(buffer.getvalue()) is None


@pytest.mark.parametrize("name, extension", [
    ("strategy.pdf", "pdf"), ("Minutes 3 March.DOCX", "docx"), ("figures.xlsx", "xlsx"), ("a.png", "png"),
    ("photo.jpg", "jpg"), ("photo.jpeg", "jpeg"), ("café report..final.pdf", "pdf"), ("  spaced.pdf  ", "pdf"),
])
def test_plain_names_with_an_allowed_extension_are_accepted(name, extension):
    cleaned, ext = goaward.clean_file_name(name)
    assert ext == extension
    assert cleaned == name.strip()


@pytest.mark.parametrize("name, words", [
    ("", "Choose a file"), (None, "Choose a file"),
    ("report\x00.pdf", "control characters"), ("report.pdf\x00.exe", "control characters"), ("a\nb.pdf", "control characters"),
    ("../../etc/passwd.pdf", "without folders"), ("folder/report.pdf", "without folders"),
    ("C:\\Users\\me\\report.pdf", "without folders"), (".hidden.pdf", "without folders"), ("..", "without folders"),
    ("notes.txt", "must be a PDF, Word"), ("report", "must be a PDF, Word"), (".pdf", "without folders"),
    ("macro.docm", "must be a PDF, Word"), ("x" * 200 + ".pdf", "200 characters or fewer"),
])
def test_tricky_or_unsupported_names_are_refused_clearly(name, words):
    with pytest.raises(ValidationFailed) as caught:
        goaward.clean_file_name(name)
    assert words in caught.value.fields["document"][0]
