"""Hostile input end to end: SQL identifiers, formula injection, markup, tokens, PII."""

from __future__ import annotations

import csv
import io
import re
import secrets

import pandas as pd
import pytest

from core.store.app_store import Store, hash_token

EVIL_COLUMN = 'a"; DROP TABLE events; --'
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    yield s
    s.dispose()


def _events_csv(tmp_path, user_ids) -> str:
    rows = ["user_id,timestamp,event_type,platform,amount"]
    for i, uid in enumerate(user_ids):
        rows.append(f"{uid},2025-03-0{1 + i % 5} 10:00:00,view,weibo,")
        rows.append(f"{uid},2025-03-0{1 + i % 5} 11:00:00,purchase,weibo,12.5")
    path = tmp_path / "events.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_hostile_column_names_survive_ingest_and_features(tmp_path):
    from core.data.engine import dataset_engine, table_exists
    from core.data.ingest import ingest
    from core.segments import build_features

    ids = [f"u{i}" for i in range(12)]
    users = pd.DataFrame({"user_id": ids, EVIL_COLUMN: range(12), XSS: ["x"] * 12})
    users_path = tmp_path / "users.csv"
    users.to_csv(users_path, index=False)
    ds = ingest(_events_csv(tmp_path, ids), users_source=str(users_path))
    engine = dataset_engine(ds.path)
    feats = build_features(engine)
    assert table_exists(engine, "events")  # nothing was dropped
    assert EVIL_COLUMN in feats.columns and XSS in feats.columns
    by_user = dict(zip(feats["user_id"], feats[EVIL_COLUMN], strict=True))
    assert by_user == {f"u{i}": float(i) for i in range(12)}
    assert len(feats) == 12


def test_quote_identifier_doubles_quotes():
    import sqlalchemy as sa

    from core.common.sql import quote_identifier

    dialect = sa.create_engine("sqlite://").dialect
    assert quote_identifier(EVIL_COLUMN, dialect) == '"a""; DROP TABLE events; --"'


def test_csv_exports_neutralise_formulas():
    from core.export import safe_csv

    frame = pd.DataFrame(
        {
            "=cmd|' /C calc'!A0": ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"],
            "amount": [-3.5, 1.0, 2.0, 0.0],
            "segment": ["\tS1", "\rS2", "plain", XSS],
        }
    )
    text = safe_csv(frame).decode("utf-8-sig")
    assert "'\tS1" in text and "'\rS2" in text
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    assert header[0].startswith("'=")
    for row in rows:
        for cell in (row[0], row[-1]):  # no cell a spreadsheet would run
            assert not cell.startswith(("=", "+", "-", "@", "\t")), row
    assert rows[0][1] == "-3.5"  # numbers stay numbers
    assert frame.iloc[0, 0].startswith("=")  # input not mutated


def test_markdown_escape_makes_names_inert():
    from core.common.markdown import escape_html, escape_markdown

    md = escape_markdown(f"{XSS} [click](javascript:alert(1)) ![i](http://x/p.png) **b**")
    assert "<img" not in md and "&lt;img" in md
    assert "](" not in md and "\\[" in md and "\\*\\*" in md
    assert escape_html('"><script>') == "&quot;&gt;&lt;script&gt;"
    # bare addresses are links in GFM whatever their backslashes: a joiner breaks them
    bare = escape_markdown("see http://x.cn/p, www.x.cn or a@x.cn").replace("\\", "")
    assert "http://" not in bare and "www." not in bare and "a@x" not in bare
    assert bare.replace("\u2060", "") == "see http://x.cn/p, www.x.cn or a@x.cn"


def test_share_tokens_cannot_be_guessed_or_enumerated(store):
    ws = store.create_workspace("w")
    store.save_dataset(ws.id, "d", "/x")
    store.save_run(ws.id, "d", pd.Series(["S1"], index=pd.Index(["u"], name="user_id")), run_id="r")
    tokens = [store.create_share_link(ws.id, "r")[0] for _ in range(200)]
    assert len(set(tokens)) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", t) for t in tokens)  # 32 bytes = 256 bits
    # sequential or random guesses never resolve
    for _ in range(300):
        assert store.resolve_share_token(secrets.token_urlsafe(32)) is None
    link_ids = [x.id for x in store.list_share_links(ws.id)]
    for public_id in link_ids[:20]:  # the public link id is not a token
        assert store.resolve_share_token(public_id) is None
    with store.engine.connect() as conn:
        dump = "\n".join(conn.connection.driver_connection.iterdump())
    assert not any(t in dump for t in tokens)
    assert hash_token(tokens[0]) in dump


def test_personal_data_never_reaches_the_store_unhashed(tmp_path, store):
    from core.data.engine import dataset_engine
    from core.data.ingest import ingest
    from core.segments import build_features

    emails = [f"person{i}@example.com" for i in range(12)]
    phones = [f"1380013{i:04d}" for i in range(12)]
    users = pd.DataFrame({"user_id": emails, "手机号": phones, "region": ["Shanghai"] * 12})
    users_path = tmp_path / "users.csv"
    users.to_csv(users_path, index=False)
    ds = ingest(_events_csv(tmp_path, emails), users_source=str(users_path))
    feats = build_features(dataset_engine(ds.path))
    assert not set(feats["user_id"]) & set(emails)  # ingest pseudonymised the ids
    labels = pd.Series(
        ["S1"] * len(feats), index=pd.Index(feats["user_id"], name="user_id"), name="segment"
    )
    ws = store.create_workspace("w")
    store.save_dataset(ws.id, ds.dataset_id, str(ds.path), report=ds.report)
    store.save_run(ws.id, ds.dataset_id, labels, run_id="r", quality={"n": 12})
    with store.engine.connect() as conn:
        dump = "\n".join(conn.connection.driver_connection.iterdump())
    for raw in emails + phones:
        assert raw not in dump
    assert store.get_run(ws.id, "r").labels.size == 12
