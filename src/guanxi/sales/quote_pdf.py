"""A quote as a PDF the customer keeps: the dealer, the customer, the lines, the discount, the total
and the validity, in the reader's language. What people typed is escaped (reportlab reads markup).
reportlab's built-in CID font STSong-Light writes Chinese without shipping a font file (the PDF
viewer supplies the glyphs). reportlab is imported when the first PDF is made, not when the web
workers start."""

import functools
from html import escape
from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from guanxi.core.formatting import money

FONT = "STSong-Light"


@functools.cache
def _styles():
    """The font registered once, and the two paragraph styles (text, title)."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    text = ParagraphStyle("text", fontName=FONT, fontSize=10, leading=14)
    return text, ParagraphStyle("title", parent=text, fontSize=18, leading=24, spaceAfter=6)


def quote_pdf(quote) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    TEXT, TITLE = _styles()  # noqa: N806  (the styles' names as reportlab's examples write them)
    opportunity, currency = quote.opportunity, quote.price_list.currency
    lines = list(quote.lines.select_related("product"))
    totals = quote.totals(lines)
    rows = [[_("Product"), _("Quantity"), _("Unit price"), _("Discount"), _("Amount")]]
    rows += [[Paragraph(escape(line.product.name), TEXT), str(line.quantity), money(line.unit_price, currency),
              f"{line.discount_percent.normalize()}%", money(line.amount, currency)] for line in lines]
    rows += [["", "", "", _("Subtotal"), money(totals["subtotal"], currency)],
             ["", "", "", f"{_('Discount')} {quote.discount_percent.normalize()}%",
              money(-totals["discount"], currency)],
             ["", "", "", _("Total"), money(totals["total"], currency)]]
    table = Table(rows, colWidths=[70 * mm, 18 * mm, 30 * mm, 30 * mm, 32 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 10), ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black), ("LINEABOVE", (0, -3), (-1, -3), 0.5, colors.grey),
        ("FONT", (0, -1), (-1, -1), FONT, 11), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    story = [
        Paragraph(f"{_('Quote')} {quote}", TITLE),
        Paragraph(escape(str(opportunity.dealer)), TEXT),
        Spacer(1, 4 * mm),
        Paragraph(f"{_('For')}: {escape(str(opportunity.customer))}", TEXT),
        Paragraph(f"{_('Date')}: {date_format(timezone.localtime(quote.created_at), 'SHORT_DATE_FORMAT')} · "
                  f"{_('Valid until')}: {date_format(quote.valid_until, 'SHORT_DATE_FORMAT')}", TEXT),
        Spacer(1, 6 * mm), table,
    ]
    if quote.note:
        story += [Spacer(1, 6 * mm), Paragraph(escape(quote.note).replace("\n", "<br/>"), TEXT)]
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=f"{_('Quote')} {quote}", leftMargin=15 * mm,
                      rightMargin=15 * mm).build(story)
    return buffer.getvalue()


def pdf_response(quote) -> HttpResponse:
    """The PDF as a download named after the quote."""
    response = HttpResponse(quote_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{quote}.pdf"'
    return response
