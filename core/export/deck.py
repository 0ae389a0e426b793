"""The persona deck: one card as Markdown or HTML, every card as a PDF workshop deck.

The three writers, and the read-only deck a share link opens, share one set of
plain-text pieces per card (:func:`card_sections`), so every format says the same thing;
user-supplied text (names, categories, comment words) is escaped for the format it lands
in.
"""

from __future__ import annotations

from core.common.markdown import escape_html, escape_markdown
from core.common.pdf import pdf_font, pdf_text
from core.personas import CARD_KPIS, KPI_BY_KEY, attribute_label, format_kpi_value, playbook


def card_sections(persona, name: str | None = None) -> dict:
    """Plain-text pieces of one persona card, shared by every writer of the deck.

    Parameters
    ----------
    persona : core.personas.Persona
    name : str, optional
        The user's name for the persona (else the automatic one).

    Returns
    -------
    dict
        ``title``, ``subtitle``, ``traits`` (sentences), ``kpis`` ((name, formatted value,
        formula) per card KPI), ``clv`` ((label, value) pairs, empty without a value
        model), ``actions`` ((action, reason) pairs), ``recommendations`` (one sentence
        per action, or the playbook's note when none applies), ``platforms``, ``times``,
        ``contact``, ``demographics``, ``words``, ``sentiment`` and ``hidden``. Nothing is
        escaped: each writer escapes for its own format.
    """
    title = name or persona.name
    sections: dict = {
        "title": title,
        "subtitle": f"Segment {persona.segment} · {persona.size:,} users · {persona.share:.0%} of all users",
        "traits": persona.trait_sentences(5),
        "kpis": [
            (KPI_BY_KEY[k].name, format_kpi_value(k, persona.kpis.get(k)), KPI_BY_KEY[k].formula)
            for k in CARD_KPIS
            if k in persona.kpis
        ],
        "clv": [],
        "actions": [(r.action, r.reason) for r in persona.recommendations],
        "recommendations": [f"{r.action} — why: {r.reason}" for r in persona.recommendations]
        or [playbook.NO_ACTION_NOTE],
        "platforms": list(persona.best_platforms),
        "times": list(persona.best_times) or [playbook.NO_WINDOW_NOTE],
        "contact": persona.contact_note,
        "demographics": [
            (attribute_label(attr), ", ".join(f"{c} {s:.0%}" for c, s, _ in rows[:4]))
            for attr, rows in persona.demographics.items()
        ],
        "words": ", ".join(w for w, _ in persona.comment_words[:10]),
        "sentiment": None,
        "hidden": list(persona.hidden),
    }
    if persona.sentiment and persona.sentiment.get("score") is not None:
        s = persona.sentiment
        sections["sentiment"] = (
            f"{s['score']:+.2f} (from -1 to +1; {s['positive_share']:.0%} positive, "
            f"{s['negative_share']:.0%} negative of {s['n_comments']:,} recent comments)"
        )
    if persona.clv:
        c = persona.clv
        sections["clv"] = [
            ("Customers in the value model", f"{c.get('customers') or 0:,.0f}"),
            ("Expected value, next 12 months (total)", f"{c.get('clv_total') or 0:,.0f}"),
            ("Per user", f"{c.get('clv_per_user') or 0:,.2f}"),
            ("Chance still active (average)", f"{(c.get('p_alive_mean') or 0):.0%}"),
        ]
    return sections


def persona_markdown(persona, name: str | None = None) -> str:
    """One persona card as Markdown (user-supplied text escaped).

    Parameters
    ----------
    persona : core.personas.Persona
    name : str, optional
        The user's name for the persona (else the automatic one).

    Returns
    -------
    str
    """
    s = card_sections(persona, name)
    md = escape_markdown
    lines = [f"# {md(s['title'])}", "", f"*{md(s['subtitle'])}*", ""]
    if persona.is_hidden:
        lines += [f"_{md(h)}_" for h in s["hidden"]]
        return "\n".join(lines) + "\n"
    lines += ["## What makes them different", ""] + [f"- {md(t)}" for t in s["traits"]] + [""]
    if s["demographics"]:
        lines += (
            ["## Who they are", ""]
            + [f"- **{md(a)}**: {md(v)}" for a, v in s["demographics"]]
            + [""]
        )
    if s["kpis"]:
        lines += ["## KPIs", "", "| KPI | value | formula |", "|---|---|---|"]
        lines += [f"| {md(k)} | {md(v)} | {md(f)} |" for k, v, f in s["kpis"]] + [""]
    if s["clv"]:
        lines += ["## Lifetime value", ""] + [f"- {md(k)}: {md(v)}" for k, v in s["clv"]] + [""]
    lines += (
        ["## Recommended actions", ""]
        + [f"{i}. {md(r)}" for i, r in enumerate(s["recommendations"], 1)]
        + [""]
    )
    if s["platforms"]:
        lines += [f"**Best platforms:** {md('; '.join(s['platforms']))}", ""]
    lines += [
        f"**Best posting times:** {md('; '.join(s['times']))}",
        "",
        f"**Contact frequency:** {md(s['contact'])}",
        "",
    ]
    if s["words"]:
        lines += [f"**Top comment words:** {md(s['words'])}", ""]
    if s["sentiment"]:
        lines += [f"**Comment sentiment:** {md(s['sentiment'])}", ""]
    if s["hidden"]:
        lines += ["**Hidden for privacy:**", ""] + [f"- {md(h)}" for h in s["hidden"]] + [""]
    return "\n".join(lines)


def persona_html(persona, name: str | None = None) -> str:
    """One persona card as a standalone HTML page (every text escaped).

    Parameters
    ----------
    persona : core.personas.Persona
    name : str, optional
        The user's name for the persona.

    Returns
    -------
    str
    """
    e = escape_html
    s = card_sections(persona, name)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{e(s['title'])}</title>",
        "<style>body{font-family:sans-serif;max-width:760px;margin:2em auto;color:#222}"
        "h1{color:#d6336c}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px}"
        ".muted{color:#777}</style></head><body>",
        f"<h1>{e(s['title'])}</h1><p class='muted'>{e(s['subtitle'])}</p>",
    ]
    if persona.is_hidden:
        parts += [f"<p class='muted'>{e(h)}</p>" for h in s["hidden"]]
        return "".join(parts) + "</body></html>"
    parts.append(
        "<h2>What makes them different</h2><ul>"
        + "".join(f"<li>{e(t)}</li>" for t in s["traits"])
        + "</ul>"
    )
    if s["demographics"]:
        parts.append(
            "<h2>Who they are</h2><ul>"
            + "".join(f"<li><b>{e(a)}</b>: {e(v)}</li>" for a, v in s["demographics"])
            + "</ul>"
        )
    if s["kpis"]:
        parts.append(
            "<h2>KPIs</h2><table><tr><th>KPI</th><th>value</th><th>formula</th></tr>"
            + "".join(
                f"<tr><td>{e(k)}</td><td>{e(v)}</td><td>{e(f)}</td></tr>" for k, v, f in s["kpis"]
            )
            + "</table>"
        )
    if s["clv"]:
        parts.append(
            "<h2>Lifetime value</h2><ul>"
            + "".join(f"<li>{e(k)}: {e(v)}</li>" for k, v in s["clv"])
            + "</ul>"
        )
    parts.append(
        "<h2>Recommended actions</h2><ol>"
        + "".join(f"<li>{e(r)}</li>" for r in s["recommendations"])
        + "</ol>"
    )
    if s["platforms"]:
        parts.append(f"<p><b>Best platforms:</b> {e('; '.join(s['platforms']))}</p>")
    parts.append(f"<p><b>Best posting times:</b> {e('; '.join(s['times']))}</p>")
    parts.append(f"<p><b>Contact frequency:</b> {e(s['contact'])}</p>")
    if s["words"]:
        parts.append(f"<p><b>Top comment words:</b> {e(s['words'])}</p>")
    if s["sentiment"]:
        parts.append(f"<p><b>Comment sentiment:</b> {e(s['sentiment'])}</p>")
    if s["hidden"]:
        parts.append(
            "<p class='muted'><b>Hidden for privacy:</b> " + e("; ".join(s["hidden"])) + "</p>"
        )
    return "".join(parts) + "</body></html>"


def personas_pdf(personas, names=None, *, title: str = "PersonaLab personas") -> bytes:
    """A workshop deck: a title page, then one landscape page per persona card.

    Parameters
    ----------
    personas : list of core.personas.Persona
    names : mapping, optional
        User-edited names per segment.
    title : str
        Title page heading.

    Returns
    -------
    bytes
        The PDF file. Chinese text is drawn with Noto Sans CJK when installed; otherwise
        characters the built-in font lacks are replaced by '?'.
    """
    from fpdf import FPDF  # here, not at the top: fpdf is slow to import and rarely needed

    names = names or {}
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    font = pdf_font(pdf)
    t = lambda s: pdf_text(s, font)  # noqa: E731

    pdf.add_page()
    pdf.set_font(font, size=28)
    pdf.ln(50)
    pdf.multi_cell(0, 14, t(title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, size=14)
    pdf.multi_cell(
        0,
        8,
        t(f"{len(personas)} personas · {sum(p.size for p in personas):,} users"),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for p in personas:
        s = card_sections(p, names.get(p.segment) or p.name)
        pdf.add_page()
        pdf.set_font(font, size=22)
        pdf.set_text_color(214, 51, 108)
        pdf.multi_cell(0, 11, t(s["title"]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(90, 90, 90)
        pdf.set_font(font, size=11)
        pdf.multi_cell(0, 6, t(s["subtitle"]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(2)

        def heading(text: str) -> None:
            """A section heading on the current page."""
            pdf.set_font(font, size=13)
            pdf.multi_cell(0, 7, t(text), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(font, size=10)

        def bullet(text: str) -> None:
            """One bullet line on the current page."""
            pdf.multi_cell(0, 5.5, t(f"- {text}"), new_x="LMARGIN", new_y="NEXT")

        if p.is_hidden:
            for h in s["hidden"]:
                bullet(h)
            continue
        heading("What makes them different")
        for line in s["traits"]:
            bullet(line)
        heading("Recommended actions")
        for line in s["recommendations"]:
            bullet(line)
        if s["kpis"]:
            heading("KPIs")
            bullet("; ".join(f"{k} {v}" for k, v, _ in s["kpis"]))
        if s["clv"]:
            heading("Lifetime value")
            bullet("; ".join(f"{k}: {v}" for k, v in s["clv"]))
        heading("Where and when")
        if s["platforms"]:
            bullet("Platforms: " + "; ".join(s["platforms"]))
        bullet("Posting times: " + "; ".join(s["times"]))
        bullet(s["contact"])
        if s["words"]:
            bullet("Comment words: " + s["words"])
        if s["sentiment"]:
            bullet("Sentiment: " + s["sentiment"])
        if s["hidden"]:
            pdf.set_text_color(120, 120, 120)
            bullet("Hidden for privacy: " + "; ".join(s["hidden"]))
            pdf.set_text_color(0, 0, 0)
    return bytes(pdf.output())
