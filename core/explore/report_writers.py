"""Writing the weekly / monthly report: HTML with SVG charts, or PDF with PNG charts.

Both are rendered by vl-convert, in the current language (:mod:`core.explore.report` decides
what the report says; this module only lays it out).

The PDF is written with fpdf2 and uses Noto Sans CJK when the font is installed (Debian
``fonts-noto-cjk``); vl-convert is pointed at the same font for the chart images
(:func:`core.common.pdf.register_chart_fonts`), so Chinese titles and labels render in both.
"""

from __future__ import annotations

import altair as alt

from core.common.markdown import escape_html
from core.common.pdf import pdf_font, pdf_text, register_chart_fonts
from core.explore.charts import targeting_caption
from core.i18n import N_, current, tr

KPI_HEADINGS = ("KPI", N_("This period"), N_("Previous period"), N_("Change"))
GOAL_HEADINGS = (N_("Goal"), N_("Start value"), N_("End value"), N_("Change"), N_("Target"))

TARGETING_HEADINGS = (
    N_("Campaign"),
    N_("Target segment"),
    N_("Exposed users"),
    N_("Targeting accuracy"),
    N_("Buyers"),
    N_("Persona match rate"),
)


def _headings(headings: tuple[str, ...]) -> list[str]:
    """A table's headings in the current language."""
    return [tr(h) for h in headings]


# --- report ----------------------------------------------------------------------------


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """Render a chart to SVG text with vl-convert (its d3 locale is in the spec's config)."""
    import vl_convert as vlc  # heavy: loaded only when a chart is rendered

    register_chart_fonts()
    return vlc.vegalite_to_svg(chart.to_dict())


def chart_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """Render a chart to PNG bytes with vl-convert (text in the CJK font, see ``core.common.pdf``)."""
    import vl_convert as vlc  # heavy: loaded only when a chart is rendered

    register_chart_fonts()
    return vlc.vegalite_to_png(chart.to_dict(), scale=scale)


NO_SPIKES = N_("No spikes in comments, shares or negative comments this period.")


def _html_table(headings, rows) -> str:
    """One escaped HTML table: a heading row, then the rows."""
    cells = [
        "<tr>" + "".join(f"<{tag}>{escape_html(c)}</{tag}>" for c in row) + "</tr>"
        for tag, row in [("th", headings), *(("td", r) for r in rows)]
    ]
    return "<table>" + "".join(cells) + "</table>"


def _report_html(
    heading, notes, rows, charts, alerts, goal_rows=None, target_rows=None, target_note=""
) -> str:
    """Assemble a self-contained HTML report (inline SVG charts, escaped text)."""
    esc = escape_html

    def h2(title: str) -> str:
        return "<h2>" + esc(title) + "</h2>"

    parts = [
        f"<!doctype html><html lang='{'zh-Hans' if current() == 'zh' else 'en'}'><head>"
        "<meta charset='utf-8'>",
        f"<title>{esc(heading)}</title>",
        "<style>body{font-family:'Noto Sans CJK SC','Noto Sans SC',sans-serif;margin:2em;"
        "max-width:1000px}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}"
        "</style></head><body>",
        f"<h1>{esc(heading)}</h1>",
        *[f"<p>{esc(n)}</p>" for n in notes],
        h2(tr("KPIs")),
        _html_table(_headings(KPI_HEADINGS), rows),
        h2(tr("Early warnings")),
        "<ul>" + "".join(f"<li>{esc(a)}</li>" for a in alerts) + "</ul>"
        if alerts
        else f"<p>{esc(tr(NO_SPIKES))}</p>",
    ]
    if goal_rows is not None:
        parts += [h2(tr("Goals")), _html_table(_headings(GOAL_HEADINGS), goal_rows)]
    if target_rows is not None:
        parts.append(h2(tr("Campaign targeting")))
    if target_rows:
        parts += [
            _html_table(_headings(TARGETING_HEADINGS), target_rows),
            f"<p>{esc(targeting_caption())}</p>",
        ]
    if target_note:
        parts.append(f"<p>{esc(target_note)}</p>")
    parts.append(h2(tr("Charts")))
    for chart in charts:
        parts.append(f"<div style='margin:1em 0'>{chart_svg(chart)}</div>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _report_pdf(
    heading, notes, rows, charts, alerts, goal_rows=None, target_rows=None, target_note=""
) -> bytes:
    """Write the report as PDF with fpdf2 (CJK font when installed, PNG charts)."""
    from fpdf import FPDF  # loaded only when a PDF is asked for (start-up speed)
    from fpdf.fonts import FontFace

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    family = pdf_font(pdf)

    def text(s: str) -> str:
        return pdf_text(s, family)

    pdf.add_page()
    pdf.set_font(family, "", 15)
    pdf.multi_cell(0, 8, text(heading), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    for n in notes:
        pdf.multi_cell(0, 5, text(n), new_x="LMARGIN", new_y="NEXT")

    def section(title: str, gap: float = 3) -> None:
        pdf.ln(gap)
        pdf.set_font(family, "", 12)
        pdf.cell(0, 7, text(title), new_x="LMARGIN", new_y="NEXT")

    def table(headings, body, widths, *, text_columns: int = 1, size: int = 9) -> None:
        """The first ``text_columns`` columns are text (left), the others figures (right)."""
        pdf.set_font(family, "", size)
        with pdf.table(
            col_widths=widths,
            text_align=("LEFT",) * text_columns + ("RIGHT",) * (len(widths) - text_columns),
            headings_style=FontFace(emphasis="", fill_color=(230, 236, 245)),
        ) as t:
            t.row([text(h) for h in headings])
            for row in body:
                t.row([text(str(c)) for c in row])

    section(tr("KPIs"), gap=2)
    table(_headings(KPI_HEADINGS), rows, (60, 40, 40, 30))
    section(tr("Early warnings"))
    pdf.set_font(family, "", 9)
    for a in alerts or [tr(NO_SPIKES)]:
        pdf.multi_cell(0, 5, text("- " + a), new_x="LMARGIN", new_y="NEXT")
    if goal_rows is not None:
        section(tr("Goals"))
        table(_headings(GOAL_HEADINGS), goal_rows, (50, 30, 30, 30, 30))
    if target_rows is not None:
        section(tr("Campaign targeting"))
        pdf.set_font(family, "", 8)
    if target_rows:
        headings = _headings(TARGETING_HEADINGS)
        table(headings, target_rows, (40, 40, 25, 25, 20, 25), text_columns=2, size=8)
        pdf.multi_cell(0, 4, text(targeting_caption()), new_x="LMARGIN", new_y="NEXT")
    if target_note:
        pdf.multi_cell(0, 4, text(target_note), new_x="LMARGIN", new_y="NEXT")
    for chart in charts:
        png = chart_png(chart)
        pdf.ln(3)
        pdf.image(png, w=pdf.epw)
    return bytes(pdf.output())
