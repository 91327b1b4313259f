"""Realistic sample files built in memory, for parser tests, end-to-end tests and benchmarks.

Every builder returns the file's bytes and is deterministic: the same arguments give the
same content, so tests can look for the texts named by the constants below. The broken
ones (``corrupt_*``, ``encrypted_*``, ``zip_bomb_docx``) are what users really upload by
mistake: truncated downloads, password-protected files, archives that inflate absurdly.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import struct
import zipfile
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

DEJAVU_SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

PDF_TITLE = "Quarterly Operations Report"
PDF_AUTHOR = "Operations Team"
PDF_SECTIONS = ["Summary", "Supply Chain", "Customer Service", "Facilities", "Staffing", "Outlook"]
TABLE_HEADER = ["Region", "Revenue", "Growth", "Manager"]
TABLE_ROWS = [
    ["North", "1,200", "4.5%", "Alice Martin"],
    ["South", "980", "2.1%", "Bruno Costa"],
    ["East", "1,530", "6.8%", "Chen Wei"],
    ["West", "1,105", "3.9%", "Dana Cole"],
]
SCANNED_LINES = ["Invoice number 4711", "Total amount due 1250 EUR", "Payment within thirty days"]
IMAGE_LINES = ["Warehouse inventory", "Pallets received 340"]

_TOPICS = [
    "delivery times",
    "supplier contracts",
    "energy costs",
    "ticket backlog",
    "staff training",
    "inventory accuracy",
    "return rates",
    "safety audits",
]
_SENTENCES = [
    "The team compared the figures with the same period of the previous year.",
    "Most of the change came from the two largest sites, which reported complete data.",
    "Smaller sites sent partial numbers, so their share is estimated from the monthly totals.",
    "A follow-up review is planned once the remaining invoices have been reconciled.",
    "The committee asked for a short written explanation of every deviation above five percent.",
    "Several managers pointed out that seasonal demand distorts the comparison in the first month.",
    "The recommendation is to keep the current process and to measure it again next quarter.",
    "No incident in this area required escalation to the executive board.",
]


def finding_text(number: int) -> str:
    """The paragraph ``make_pdf`` writes as its ``number``-th paragraph (it starts "Finding N concerns")."""
    sentences = [_SENTENCES[(number * 3 + offset) % len(_SENTENCES)] for offset in range(4)]
    return f"Finding {number} concerns {_TOPICS[number % len(_TOPICS)]}. " + " ".join(sentences)


def make_pdf(
    pages: int = 2,
    *,
    with_table: bool = False,
    two_columns: bool = False,
    headings: bool = True,
    title: str = PDF_TITLE,
    author: str = PDF_AUTHOR,
) -> bytes:
    """A Letter-size report with a text layer: title (22 pt bold), section headings (15 pt bold),
    a 12 pt bold sub-heading before every third paragraph, 10 pt body text made of
    :func:`finding_text` paragraphs in order, and a "Page N" footer.

    ``with_table`` puts a borderless table (:data:`TABLE_HEADER`, :data:`TABLE_ROWS`) on page 1;
    ``two_columns`` flows the body in two columns under full-width headings.
    """
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER, invariant=True)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    finding = 1
    for page in range(1, pages + 1):
        y = 720.0
        if headings and page == 1:
            canvas.setFont("Helvetica-Bold", 22)
            canvas.drawString(72, y, title)
            y -= 40
        if headings:
            canvas.setFont("Helvetica-Bold", 15)
            canvas.drawString(72, y, f"{page}. {PDF_SECTIONS[(page - 1) % len(PDF_SECTIONS)]}")
            y -= 28
        if with_table and page == 1:
            y = _draw_table(canvas, y) - 12
        columns = [(54.0, 243.0), (315.0, 243.0)] if two_columns else [(72.0, 468.0)]
        for x, width in columns:
            column_y = y
            while True:
                lines = simpleSplit(finding_text(finding), "Helvetica", 10, width)
                needs_heading = headings and finding % 3 == 0
                if column_y - len(lines) * 13 - (22 if needs_heading else 0) < 80:
                    break
                if needs_heading:
                    canvas.setFont("Helvetica-Bold", 12)
                    canvas.drawString(x, column_y, f"Note on {_TOPICS[finding % len(_TOPICS)]}")
                    column_y -= 20
                canvas.setFont("Helvetica", 10)
                for line in lines:
                    canvas.drawString(x, column_y, line)
                    column_y -= 13
                column_y -= 9
                finding += 1
        canvas.setFont("Helvetica", 8)
        canvas.drawCentredString(306, 40, f"Page {page}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_table(canvas: Canvas, top: float) -> float:
    """Draws the sample table with its columns at fixed x positions; returns the y below it."""
    columns = [72, 190, 290, 390]
    y = top
    for index, row in enumerate([TABLE_HEADER, *TABLE_ROWS]):
        canvas.setFont("Helvetica-Bold" if index == 0 else "Helvetica", 10)
        for x, cell in zip(columns, row, strict=True):
            canvas.drawString(x, y, cell)
        y -= 16
    return y


def make_scanned_pdf(lines: Sequence[str] = SCANNED_LINES) -> bytes:
    """A one-page PDF with no text layer: the page is a 200 dpi picture of ``lines``."""
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    picture = _text_picture(lines, (1700, 2200), font_size=48, origin=(200, 250))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER, invariant=True)
    canvas.drawImage(ImageReader(picture), 0, 0, width=LETTER[0], height=LETTER[1])
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def make_png_with_text(lines: Sequence[str] = IMAGE_LINES, size: tuple[int, int] = (900, 260)) -> bytes:
    """A PNG photo-like card (light grey) with ``lines`` written on it in black."""
    buffer = io.BytesIO()
    _text_picture(lines, size, font_size=44, origin=(40, 40), background=(235, 235, 230)).save(buffer, "PNG")
    return buffer.getvalue()


def _text_picture(
    lines: Sequence[str],
    size: tuple[int, int],
    *,
    font_size: int,
    origin: tuple[int, int],
    background: tuple[int, int, int] = (255, 255, 255),
) -> Image.Image:
    picture = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(picture)
    font = text_font(font_size)
    x, y = origin
    for line in lines:
        draw.text((x, y), line, fill=(0, 0, 0), font=font)
        y += int(font_size * 1.8)
    return picture


def text_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans where the system has it, else the Vera font shipped inside reportlab, else Pillow's own."""
    import os

    import reportlab

    for path in (DEJAVU_SANS, os.path.join(os.path.dirname(reportlab.__file__), "fonts", "Vera.ttf")):
        if os.path.exists(path):
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def corrupt_pdf() -> bytes:
    """What a PDF looks like when a download was cut off and overwritten: a header, then noise."""
    return b"%PDF-1.7\n" + bytes((index * 37 + 11) % 256 for index in range(4000))


def encrypted_pdf(password: str = "secret") -> bytes:
    """A one-page PDF that cannot be opened without ``password`` (RC4/AES standard security)."""
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, encrypt=pdfencrypt.StandardEncryption(password, canPrint=0), invariant=True)
    canvas.drawString(72, 720, "Confidential salary review")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def make_docx(*, title: str = "Travel Policy", author: str = "HR Department") -> bytes:
    """A Word document: Title, Heading 1/2 sections, paragraphs, a bulleted list and a table."""
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = author
    document.add_heading(title, level=0)
    document.add_paragraph("This policy applies to every employee who travels on company business.")
    document.add_heading("Booking", level=1)
    document.add_paragraph("Book trains and flights through the travel desk at least two weeks ahead.")
    for item in ("Economy class for flights under six hours", "Second class for trains", "Hotels up to 150 EUR"):
        document.add_paragraph(item, style="List Bullet")
    document.add_heading("Daily allowances", level=2)
    table = document.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ("Country", "Allowance", "Currency"), strict=True):
        cell.text = text
    for row in (("Germany", "28", "EUR"), ("Japan", "5200", "JPY"), ("Canada", "65", "CAD")):
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    document.add_heading("Expenses", level=1)
    document.add_paragraph("Submit receipts within thirty days of returning from the trip.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def corrupt_docx() -> bytes:
    """A ZIP that claims to be a Word document but whose main part is not XML."""
    valid = zipfile.ZipFile(io.BytesIO(make_docx()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in valid.infolist():
            data = b"<w:document><unclosed" if member.filename == "word/document.xml" else valid.read(member)
            archive.writestr(member.filename, data)
    return buffer.getvalue()


@cache
def zip_bomb_docx(inflated_bytes: int = 1100 * 1024 * 1024) -> bytes:
    """A docx-named ZIP whose one member inflates to ``inflated_bytes`` (1.1 GB) from about 1 MB.

    Zeros are streamed through the compressor a megabyte at a time (at the fastest level),
    so building it takes a few seconds and little memory; the result is cached.
    """
    block = bytes(1024 * 1024)
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("word/document.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(inflated_bytes // len(block)):
            member.write(block)
    return buffer.getvalue()


def make_xlsx() -> bytes:
    """A workbook with sheets "Sales" (a blank row and column to drop, numbers, dates),
    "Contacts" and "Empty" (nothing in it)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sales = workbook.active
    assert sales is not None
    sales.title = "Sales"
    sales.append(["Product", None, "Units", "Price", "Shipped"])
    sales.append([None, None, None, None, None])
    sales.append(["Desk lamp", None, 120, 19.5, dt.date(2024, 3, 1)])
    sales.append(["Office chair", None, 35, 149.0, dt.datetime(2024, 3, 5, 14, 30)])
    sales.append(["Monitor arm", None, 60, 42.25, dt.date(2024, 3, 9)])
    contacts = workbook.create_sheet("Contacts")
    contacts.append(["Name", "E-mail"])
    contacts.append(["Grace Hopper", "grace@example.com"])
    workbook.create_sheet("Empty")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_xls() -> bytes:
    """The legacy-format (BIFF8) twin of :func:`make_xlsx`'s "Sales" and "Contacts" sheets."""
    import xlwt

    workbook = xlwt.Workbook()
    sales = workbook.add_sheet("Sales")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    rows: list[list[object]] = [
        ["Product", "", "Units", "Price", "Shipped"],
        ["Desk lamp", "", 120, 19.5, dt.date(2024, 3, 1)],
        ["Office chair", "", 35, 149.0, dt.date(2024, 3, 5)],
    ]
    for row_index, row in enumerate(rows):
        for column, value in enumerate(row):
            if value == "":
                continue
            if isinstance(value, dt.date):
                sales.write(row_index, column, value, date_style)
            else:
                sales.write(row_index, column, value)
    contacts = workbook.add_sheet("Contacts")
    for row_index, row in enumerate([["Name", "E-mail"], ["Grace Hopper", "grace@example.com"]]):
        for column, value in enumerate(row):
            contacts.write(row_index, column, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def corrupt_xlsx() -> bytes:
    """The first half of a real workbook, as left by an interrupted download."""
    data = make_xlsx()
    return data[: len(data) // 2]


def encrypted_xlsx() -> bytes:
    """A password-protected workbook as Excel writes it: an OLE compound file holding the
    "EncryptionInfo" and "EncryptedPackage" streams instead of a ZIP (contents are filler)."""
    return _compound_file({"EncryptionInfo": b"\x04\x00\x04\x00" * 1024, "EncryptedPackage": bytes(range(256)) * 16})


def _compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal valid OLE compound file (version 3, 512-byte sectors) with two streams of
    at least 4096 bytes each, so no mini-stream is needed."""
    free, end, fat_sector, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    names = list(streams)
    assert len(names) == 2
    assert all(len(data) % 512 == 0 and len(data) >= 4096 for data in streams.values())
    fat = [fat_sector, end]
    starts = []
    for data in streams.values():
        starts.append(len(fat))
        count = len(data) // 512
        fat.extend([*range(len(fat) + 1, len(fat) + count), end])
    fat.extend([free] * (128 - len(fat)))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", no_stream, right, child)
            + bytes(36)
            + struct.pack("<IQ", start, size)
        )

    # The root's child is the first stream; the second (a longer, so "greater", name) is its right sibling.
    directory = (
        entry("Root Entry", 5, 1, no_stream, end, 0)
        + entry(names[0], 2, no_stream, 2, starts[0], len(streams[names[0]]))
        + entry(names[1], 2, no_stream, no_stream, starts[1], len(streams[names[1]]))
        + bytes(128)
    )
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    return header + struct.pack("<128I", *fat) + directory + b"".join(streams.values())


def make_pptx() -> bytes:
    """Three slides: a title slide, a bulleted slide with speaker notes, and a slide with a table."""
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    presentation.core_properties.title = "Product Launch"
    presentation.core_properties.author = "Marketing"
    first = presentation.slides.add_slide(presentation.slide_layouts[0])
    first.shapes.title.text = "Product Launch"
    first.placeholders[1].text = "Spring campaign plan"
    second = presentation.slides.add_slide(presentation.slide_layouts[1])
    second.shapes.title.text = "Timeline"
    body = second.placeholders[1].text_frame
    body.text = "Teaser videos in March"
    body.add_paragraph().text = "Launch event on April 12"
    second.notes_slide.notes_text_frame.text = "Remind the team about the press embargo."
    third = presentation.slides.add_slide(presentation.slide_layouts[5])
    third.shapes.title.text = "Budget"
    table = third.shapes.add_table(3, 2, Inches(1), Inches(2), Inches(6), Inches(1.5)).table
    for row_index, row in enumerate([("Channel", "Budget"), ("Video", "40000"), ("Print", "12000")]):
        for column, text in enumerate(row):
            table.cell(row_index, column).text = text
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def make_eml(*, with_html_only: bool = False) -> bytes:
    """An e-mail with a plain-text body (and an HTML alternative), a CSV attachment, an
    attachment of a type nothing parses, and a corrupt PDF attachment.

    ``with_html_only`` leaves out the plain-text body.
    """
    message = EmailMessage()
    message["From"] = "Alice Martin <alice@example.com>"
    message["To"] = "Bruno Costa <bruno@example.com>"
    message["Cc"] = "team@example.com"
    message["Subject"] = "Quarterly figures – draft"
    message["Date"] = format_datetime(dt.datetime(2024, 4, 2, 9, 30, tzinfo=dt.UTC))
    text = "Hi Bruno,\n\nattached are the draft figures for the quarter.\n\nBest regards,\nAlice"
    html = "<html><body><p>Hi Bruno,</p><p>attached are the <b>draft figures</b> for the quarter.</p></body></html>"
    if with_html_only:
        message.set_content(html, subtype="html")
    else:
        message.set_content(text)
        message.add_alternative(html, subtype="html")
    message.add_attachment(make_csv(), maintype="text", subtype="csv", filename="figures.csv")
    message.add_attachment(b"\x00\x01binary", maintype="application", subtype="octet-stream", filename="blob.bin")
    message.add_attachment(corrupt_pdf(), maintype="application", subtype="pdf", filename="broken.pdf")
    return message.as_bytes()


def make_html() -> bytes:
    """A web page with a title, navigation, scripts and styles (noise), headings, paragraphs,
    a list, a preformatted block and a table with a header row."""
    return """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Garden Guide</title>
<style>body { font-family: sans-serif; }</style><script>var tracking = "noise";</script></head>
<body>
<nav><a href="/">Home</a> | <a href="/shop">Shop</a></nav>
<h1>Growing Tomatoes</h1>
<p>Tomatoes need <b>six hours</b> of sun a day.</p>
<div>Water them in the morning.<div>Mulch keeps the soil moist.</div></div>
<h2>Varieties</h2>
<ul><li>Cherry</li><li>Beefsteak</li></ul>
<pre>plant_spacing = 60  # cm</pre>
<blockquote>The best fertiliser is the gardener's shadow.</blockquote>
<table><tr><th>Variety</th><th>Days to harvest</th></tr>
<tr><td>Cherry</td><td>65</td></tr><tr><td>Beefsteak</td><td>85</td></tr></table>
<footer>© 2024 Garden Guide</footer>
</body></html>""".encode()


def make_markdown() -> bytes:
    """A Markdown file with YAML front matter, headings, a list, a fenced code block and a table."""
    return b"""---
title: Deployment Notes
author: Platform Team
tags: [ops, release]
---
# Deployment Notes

Releases go out every *Tuesday* after the
change board approves them.

## Checklist

- Run the migrations
- Warm the caches
  before switching traffic

```bash
make deploy ENV=prod
```

## Environments

| Name | URL | Owner |
|------|:---:|-------|
| staging | https://staging.example.com | QA |
| prod | https://example.com | Platform \\| Ops |
"""


def make_csv(*, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    """A small price list with a quoted cell that contains the delimiter and non-ASCII names."""
    rows = [
        ["Item", "Price", "Origin"],
        ["Käse", "4.20", "Zürich"],
        ["Brötchen", "0.45", "Köln"],
        ["Müsli", "3.49", "München"],
        ["Pain", "2.10", f"Lyon{delimiter} France"],
    ]
    lines = [delimiter.join(f'"{cell}"' if delimiter in cell else cell for cell in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def make_json(*, lines: bool = False) -> bytes:
    """Three support tickets, as a JSON array or (``lines``) as JSON Lines."""
    records = [
        {"id": 1, "title": "Login fails", "tags": ["auth"], "body": "Users see “invalid token”."},
        {"id": 2, "title": "Slow search", "tags": ["search", "perf"], "body": "Queries take 5 s."},
        {"id": 3, "title": "Typo on pricing page", "tags": [], "body": None},
    ]
    if lines:
        return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode()
    return json.dumps(records, ensure_ascii=False, indent=2).encode()
