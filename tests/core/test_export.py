"""Exports: spreadsheet-safe CSV, escaped card Markdown / HTML, the PDF deck."""

from __future__ import annotations

import re

import pandas as pd

from core import export
from core.personas import Persona, Trait, playbook


def test_safe_csv_neutralises_formulas_but_not_numbers():
    df = pd.DataFrame(
        {
            "user_id": ["u1", '=HYPERLINK("x")', "@SUM(A1)", "+1", "-2", "\tx"],
            "amount": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    before = df.copy()
    out = export.safe_csv(df).decode("utf-8-sig").splitlines()
    assert out == [
        "user_id,amount",
        "u1,-1.5",
        '"\'=HYPERLINK(""x"")",2.0',
        "'@SUM(A1),3.0",
        "'+1,4.0",
        "'-2,5.0",
        "'\tx,6.0",
    ]
    pd.testing.assert_frame_equal(df, before)


def test_safe_csv_headers_bom_and_chinese():
    df = pd.DataFrame({"=cmd": ["用户"], "segment": ["S1"]})
    raw = export.safe_csv(df)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines() == ["'=cmd,segment", "用户,S1"]


def test_neutralise_cell():
    assert export.neutralise_cell("=1+1") == "'=1+1"
    assert export.neutralise_cell("ok") == "ok"
    assert export.neutralise_cell(-3) == -3


def _persona(**kw) -> Persona:
    base = dict(
        segment="S1",
        name="Weekend sharers",
        size=120,
        share=0.4,
        traits=(
            Trait(
                "n_share",
                "shares",
                12.0,
                2.0,
                6.0,
                1.5,
                1e-9,
                1e-8,
                "higher",
                "shares 6x more than average",
            ),
        ),
        category_traits=(),
        demographics={"gender": (("female", 0.7, 84),)},
        numeric_profile={},
        platform_mix=(("douyin", 0.5, 60),),
        format_mix=(),
        lifecycle_mix=(),
        value_mix=(),
        heatmap=((5, 20, 40),),
        engagement={},
        purchases={},
        comment_words=(("好看", 30),),
        sentiment={"n_comments": 40, "score": 0.5, "positive_share": 0.6, "negative_share": 0.1},
        kpis={"ctr": 0.05},
        clv={"customers": 50, "clv_total": 1000.0, "clv_per_user": 8.3, "p_alive_mean": 0.8},
        recommendations=(
            playbook.Recommendation(
                "Co-marketing",
                "shares 6x more than average",
                "influential_sharing",
                "Users who share a lot carry the brand's message to their own audiences.",
                3.0,
            ),
        ),
        best_platforms=("Douyin (50% of activity)",),
        best_times=("Sat 20:00-21:00",),
        contact_note=playbook.CONTACT_CAP_NOTE,
        hidden=("Region: 2 categories hidden: fewer than 10 users",),
        min_group_size=10,
    )
    base.update(kw)
    return Persona(**base)


def _shown(md: str) -> str:
    """The text a Markdown viewer shows for escaped characters (backslashes dropped)."""
    return re.sub(r"\\(.)", r"\1", md)


def test_markdown_card_escapes_user_names_and_shows_everything():
    md = export.persona_markdown(_persona(), name="<script>*Bold*</script>")
    assert md.startswith("# &lt;script&gt;\\*Bold\\*&lt;/script&gt;")
    for piece in [
        "shares 6x more than average",
        "Co-marketing",
        "Sat 20:00-21:00",
        "好看",
        "hidden: fewer than 10 users",
        "Click-through rate",
    ]:
        assert piece in _shown(md)


def test_html_card_escapes():
    page = export.persona_html(_persona(), name="<img src=x onerror=alert(1)>")
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "shares 6x more than average" in page


def test_hidden_persona_card_shows_size_only():
    p = _persona(
        is_hidden=True,
        traits=(),
        hidden=("Everything except the size: hidden: fewer than 10 users",),
    )
    md = export.persona_markdown(p)
    assert "hidden: fewer than 10 users" in _shown(md)
    assert "What makes them different" not in md


def test_pdf_deck_with_chinese_names():
    pdf = export.personas_pdf([_persona(), _persona(segment="S2")], {"S1": "周末分享者"})
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 1000


def test_pdf_text_falls_back_without_cjk_font():
    from core.common.pdf import pdf_text

    assert pdf_text("周末 sharers — x", "helvetica") == "?? sharers - x"


def test_safe_csv_quotes_a_carriage_return_so_the_row_stays_whole():
    import csv
    import io

    import pandas as pd

    from core.export import safe_csv

    text = safe_csv(pd.DataFrame({"comment": ["good\rbad", "ok"], "n": [1, 2]})).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["comment", "n"], ["good\rbad", "1"], ["ok", "2"]]
