"""The persona deck: one card as Markdown or HTML, every card as a PDF workshop deck.

The three writers, and the read-only deck a share link opens, share one set of
plain-text pieces per card (:func:`card_sections`), so every format says the same thing;
user-supplied text (names, categories, comment words) is escaped for the format it lands
in.

Every heading and sentence is written in the current language (:func:`core.i18n.current`;
the command line's ``--lang``); the cards' own text is in the language they were built in.
"""

from __future__ import annotations

from core import i18n
from core.common.markdown import escape_html, escape_markdown
from core.common.pdf import pdf_font, pdf_text
from core.i18n import fmt, ntr, tr
from core.personas import (
    CARD_KPIS,
    KPI_BY_KEY,
    attribute_label,
    category_word,
    format_kpi_value,
    playbook,
)


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
        # No segment label: a reader knows a persona by its name (the label is for files).
        "subtitle": tr(
            "{users} users · {share} of all users",
            users=fmt.number(persona.size),
            share=fmt.percent(persona.share),
        ),
        "traits": persona.trait_sentences(5),
        "kpis": [
            (KPI_BY_KEY[k].name, format_kpi_value(k, persona.kpis.get(k)), KPI_BY_KEY[k].formula)
            for k in CARD_KPIS
            if k in persona.kpis
        ],
        "clv": [],
        "actions": [(r.action, r.reason) for r in persona.recommendations],
        "recommendations": [
            tr("{action} — why: {reason}", action=r.action, reason=r.reason)
            for r in persona.recommendations
        ]
        or [tr(playbook.NO_ACTION_NOTE)],
        "platforms": list(persona.best_platforms),
        "times": list(persona.best_times) or [tr(playbook.NO_WINDOW_NOTE)],
        "contact": persona.contact_note,
        "demographics": [
            (
                attribute_label(attr),
                tr(", ").join(
                    tr(
                        "{category} {share}",
                        category=category_word(attr, c),
                        share=fmt.percent(s),
                    )
                    for c, s, _ in rows[:4]
                ),
            )
            for attr, rows in persona.demographics.items()
        ],
        "words": tr(", ").join(w for w, _ in persona.comment_words[:10]),
        "sentiment": None,
        "hidden": list(persona.hidden),
    }
    if persona.sentiment and persona.sentiment.get("score") is not None:
        s = persona.sentiment
        sections["sentiment"] = ntr(
            "{score} (from -1 to +1; {positive} positive, {negative} negative of {n} recent "
            "comment)",
            "{score} (from -1 to +1; {positive} positive, {negative} negative of {n} recent "
            "comments)",
            int(s["n_comments"]),
            score=("+" if s["score"] >= 0 else "") + fmt.number(s["score"], 2),
            positive=fmt.percent(s["positive_share"]),
            negative=fmt.percent(s["negative_share"]),
            n=fmt.number(s["n_comments"]),
        )
    if persona.clv:
        c = persona.clv
        sections["clv"] = [
            (tr("Customers in the value model"), fmt.number(c.get("customers") or 0)),
            (tr("Expected value, next 12 months (total)"), fmt.number(c.get("clv_total") or 0)),
            (tr("Per user"), fmt.number(c.get("clv_per_user") or 0, 2)),
            (tr("Chance still active (average)"), fmt.percent(c.get("p_alive_mean") or 0)),
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
    lines += [f"## {tr('What makes them different')}", ""]
    lines += [f"- {md(t)}" for t in s["traits"]] + [""]
    if s["demographics"]:
        lines += (
            [f"## {tr('Who they are')}", ""]
            + [f"- **{md(a)}**: {md(v)}" for a, v in s["demographics"]]
            + [""]
        )
    if s["kpis"]:
        lines += [
            f"## {tr('KPIs')}",
            "",
            f"| {tr('KPI')} | {tr('value')} | {tr('formula')} |",
            "|---|---|---|",
        ]
        lines += [f"| {md(k)} | {md(v)} | {md(f)} |" for k, v, f in s["kpis"]] + [""]
    if s["clv"]:
        lines += [f"## {tr('Lifetime value')}", ""]
        lines += [f"- {md(k)}: {md(v)}" for k, v in s["clv"]] + [""]
    lines += (
        [f"## {tr('Recommended actions')}", ""]
        + [f"{i}. {md(r)}" for i, r in enumerate(s["recommendations"], 1)]
        + [""]
    )
    sep = tr("; ")
    if s["platforms"]:
        lines += [f"**{tr('Best platforms:')}** {md(sep.join(s['platforms']))}", ""]
    lines += [
        f"**{tr('Best posting times:')}** {md(sep.join(s['times']))}",
        "",
        f"**{tr('Contact frequency:')}** {md(s['contact'])}",
        "",
    ]
    if s["words"]:
        lines += [f"**{tr('Top comment words:')}** {md(s['words'])}", ""]
    if s["sentiment"]:
        lines += [f"**{tr('Comment sentiment:')}** {md(s['sentiment'])}", ""]
    if s["hidden"]:
        lines += [f"**{tr('Hidden for privacy:')}**", ""]
        lines += [f"- {md(h)}" for h in s["hidden"]] + [""]
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
        f"<!doctype html><html lang='{'zh-CN' if i18n.current() == 'zh' else 'en'}'>"
        "<head><meta charset='utf-8'>",
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
        f"<h2>{e(tr('What makes them different'))}</h2><ul>"
        + "".join(f"<li>{e(t)}</li>" for t in s["traits"])
        + "</ul>"
    )
    if s["demographics"]:
        parts.append(
            f"<h2>{e(tr('Who they are'))}</h2><ul>"
            + "".join(f"<li><b>{e(a)}</b>: {e(v)}</li>" for a, v in s["demographics"])
            + "</ul>"
        )
    if s["kpis"]:
        parts.append(
            f"<h2>{e(tr('KPIs'))}</h2><table><tr><th>{e(tr('KPI'))}</th>"
            f"<th>{e(tr('value'))}</th><th>{e(tr('formula'))}</th></tr>"
            + "".join(
                f"<tr><td>{e(k)}</td><td>{e(v)}</td><td>{e(f)}</td></tr>" for k, v, f in s["kpis"]
            )
            + "</table>"
        )
    if s["clv"]:
        parts.append(
            f"<h2>{e(tr('Lifetime value'))}</h2><ul>"
            + "".join(f"<li>{e(k)}: {e(v)}</li>" for k, v in s["clv"])
            + "</ul>"
        )
    parts.append(
        f"<h2>{e(tr('Recommended actions'))}</h2><ol>"
        + "".join(f"<li>{e(r)}</li>" for r in s["recommendations"])
        + "</ol>"
    )
    sep = tr("; ")
    if s["platforms"]:
        parts.append(f"<p><b>{e(tr('Best platforms:'))}</b> {e(sep.join(s['platforms']))}</p>")
    parts.append(f"<p><b>{e(tr('Best posting times:'))}</b> {e(sep.join(s['times']))}</p>")
    parts.append(f"<p><b>{e(tr('Contact frequency:'))}</b> {e(s['contact'])}</p>")
    if s["words"]:
        parts.append(f"<p><b>{e(tr('Top comment words:'))}</b> {e(s['words'])}</p>")
    if s["sentiment"]:
        parts.append(f"<p><b>{e(tr('Comment sentiment:'))}</b> {e(s['sentiment'])}</p>")
    if s["hidden"]:
        parts.append(
            f"<p class='muted'><b>{e(tr('Hidden for privacy:'))}</b> "
            + e(sep.join(s["hidden"]))
            + "</p>"
        )
    return "".join(parts) + "</body></html>"


def personas_pdf(personas, names=None, *, title: str | None = None) -> bytes:
    """A workshop deck: a title page, then one landscape page per persona card.

    Parameters
    ----------
    personas : list of core.personas.Persona
    names : mapping, optional
        User-edited names per segment.
    title : str, optional
        Title page heading (default "PersonaLab personas" in the current language).

    Returns
    -------
    bytes
        The PDF file. Chinese text is drawn with Noto Sans CJK when installed; otherwise
        characters the built-in font lacks are replaced by '?'.
    """
    from fpdf import FPDF  # here, not at the top: fpdf is slow to import and rarely needed

    names = names or {}
    title = title or tr("PersonaLab personas")
    sep = tr("; ")
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
        t(
            ntr(
                "{n} persona · {users} users",
                "{n} personas · {users} users",
                len(personas),
                n=fmt.number(len(personas)),
                users=fmt.number(sum(p.size for p in personas)),
            )
        ),
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
            pdf.multi_cell(0, 5.5, t(f"- {text}"), align="L", new_x="LMARGIN", new_y="NEXT")

        if p.is_hidden:
            for h in s["hidden"]:
                bullet(h)
            continue
        heading(tr("What makes them different"))
        for line in s["traits"]:
            bullet(line)
        heading(tr("Recommended actions"))
        for line in s["recommendations"]:
            bullet(line)
        if s["kpis"]:
            heading(tr("KPIs"))
            bullet(sep.join(tr("{name} {value}", name=k, value=v) for k, v, _ in s["kpis"]))
        if s["clv"]:
            heading(tr("Lifetime value"))
            bullet(sep.join(tr("{name}: {value}", name=k, value=v) for k, v in s["clv"]))
        heading(tr("Where and when"))
        if s["platforms"]:
            bullet(tr("Platforms: {what}", what=sep.join(s["platforms"])))
        bullet(tr("Posting times: {what}", what=sep.join(s["times"])))
        bullet(s["contact"])
        if s["words"]:
            bullet(tr("Comment words: {what}", what=s["words"]))
        if s["sentiment"]:
            bullet(tr("Sentiment: {what}", what=s["sentiment"]))
        if s["hidden"]:
            pdf.set_text_color(120, 120, 120)
            bullet(tr("Hidden for privacy: {what}", what=sep.join(s["hidden"])))
            pdf.set_text_color(0, 0, 0)
    return bytes(pdf.output())
