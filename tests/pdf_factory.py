"""Real PDFs for tests, drawn with reportlab: text pages with running headers and footers,
pages that are only an image (a scan), and encrypted copies made with pypdf."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

SCAN = object()  # marks a page drawn as an image only


def make_pdf(path: Path, pages: list[list[str] | object], header: str | None = None,
             footer: str | None = "Page {n} of {total}") -> Path:
    """One PDF page per entry: a list of body lines, or SCAN for an image-only page."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=LETTER, invariant=1)
    width, height = LETTER
    for n, body in enumerate(pages, 1):
        if body is SCAN:
            pdf.drawImage(ImageReader(_scan_image()), 72, 200, width=width - 144, height=height - 300)
        else:
            if header:
                pdf.setFont("Helvetica", 8)
                pdf.drawString(72, height - 40, header)
            pdf.setFont("Times-Roman", 11)
            y = height - 80
            for line in body:
                pdf.drawString(72, y, line)
                y -= 14
            if footer:
                pdf.setFont("Helvetica", 8)
                pdf.drawCentredString(width / 2, 30, footer.format(n=n, total=len(pages)))
        pdf.showPage()
    pdf.save()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())
    return path


def encrypt(source: Path, target: Path, user_password: str, algorithm: str = "AES-256") -> Path:
    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm=algorithm)
    with target.open("wb") as fh:
        writer.write(fh)
    return target


def _scan_image() -> Image.Image:
    image = Image.new("L", (850, 1100), color=250)
    draw = ImageDraw.Draw(image)
    for i in range(30):
        draw.line((60, 80 + i * 30, 790, 80 + i * 30), fill=40, width=3)  # lines of "handwriting"
    return image
