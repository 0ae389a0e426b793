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


# --- activation exports ------------------------------------------------------------------

import datetime as dt  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402

import openpyxl  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import pytest  # noqa: E402

from core.errors import DataError  # noqa: E402

EMAILS = {"u1": "  Ann.Lee@Example.COM ", "u2": "bo@example.cn", "u3": "", "u4": "=cmd@x.io"}
PHONES = {"u1": "138 1234 5678", "u2": "+1 (650) 253-0000", "u3": "0044 20 7946 0958", "u4": "x"}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _labels(ids=("u1", "u2", "u3", "u4"), segs=("S1", "S2", "S1", "S2")) -> pd.Series:
    return pd.Series(list(segs), index=pd.Index(list(ids), name="user_id"), name="segment")


def _activation(labels=None) -> pd.DataFrame:
    labels = _labels() if labels is None else labels
    names = {"S1": "夜猫子 buyers", "S2": "=Weekend fans"}
    when = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return export.activation_table(labels, names, "run-7", when)


def test_activation_table_has_one_row_per_user_with_persona_run_and_utc_time():
    table = _activation()
    assert list(table.columns) == list(export.ACTIVATION_COLUMNS)
    assert table["user_id"].tolist() == ["u1", "u2", "u3", "u4"]
    assert table["persona"].tolist() == ["夜猫子 buyers", "=Weekend fans"] * 2
    assert set(table["run_id"]) == {"run-7"}
    assert set(table["assigned_at"]) == {"2026-03-01T01:30:00Z"}


def test_activation_table_refuses_a_segment_without_a_name():
    with pytest.raises(DataError, match="S2 have no persona name"):
        export.activation_table(_labels(), {"S1": "Fans", "S2": " "}, "r", dt.datetime(2026, 1, 1))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_activation_file_opens_back_with_every_user(fmt):
    table = _activation()
    raw = export.activation_bytes(table, fmt)
    if fmt == "csv":
        back = pd.read_csv(io.BytesIO(raw), dtype=str, encoding="utf-8-sig")
    elif fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(raw)).active
        rows = list(sheet.values)
        back = pd.DataFrame(rows[1:], columns=rows[0])
    else:
        back = pq.read_table(io.BytesIO(raw)).to_pandas()
    assert list(back.columns) == list(export.ACTIVATION_COLUMNS)
    assert len(back) == 4 and back["user_id"].is_unique
    assert back["persona"].tolist()[0] == "夜猫子 buyers"
    # spreadsheets get the formula-looking name as text; Parquet keeps the value as is
    expected = "=Weekend fans" if fmt == "parquet" else "'=Weekend fans"
    assert back["persona"].tolist()[1] == expected


def test_activation_file_refuses_an_unknown_format():
    with pytest.raises(DataError, match="'docx' is not an export format; use one of csv, xlsx"):
        export.activation_bytes(_activation(), "docx")


def test_contacts_are_normalised_then_hashed_like_the_ad_platforms_do():
    assert export.normalise_email(EMAILS["u1"]) == "ann.lee@example.com"
    assert export.normalise_email("no-at-sign") is None
    assert export.normalise_phone(PHONES["u1"]) == "8613812345678"  # CN by default
    assert export.normalise_phone(PHONES["u2"]) == "16502530000"
    assert export.normalise_phone(PHONES["u3"]) == "442079460958"  # 00 = international
    assert export.normalise_phone("(650) 253-0000", "US") == "16502530000"
    assert export.normalise_phone("x") is None
    assert export.sha256_hex("ann.lee@example.com") == _sha("ann.lee@example.com")


def _contacts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": list(EMAILS),
            "E-mail": list(EMAILS.values()),
            "mobile": list(PHONES.values()),
            "city": ["Shanghai"] * 4,
        }
    )


def test_audience_lists_hold_only_hashes_one_list_per_persona():
    tables = export.audience_tables(_activation(), _contacts())
    assert list(tables) == ["夜猫子 buyers", "=Weekend fans"]
    s1, s2 = tables["夜猫子 buyers"], tables["=Weekend fans"]
    assert list(s1.columns) == ["email", "phone"]
    assert s1.to_dict("records") == [
        {"email": _sha("ann.lee@example.com"), "phone": _sha("8613812345678")},
        {"email": "", "phone": _sha("442079460958")},
    ]
    # u4: an e-mail-looking value that is one, a phone that is not
    assert s2.to_dict("records") == [
        {"email": _sha("bo@example.cn"), "phone": _sha("16502530000")},
        {"email": _sha("=cmd@x.io"), "phone": ""},
    ]
    files = export.audience_files(tables)
    assert sorted(files) == ["audience_Weekend_fans.csv", "audience_夜猫子_buyers.csv"]
    text = b"".join(files.values()).decode("utf-8-sig")
    for raw in [*EMAILS.values(), *PHONES.values()]:
        if raw.strip():
            assert raw.strip() not in text


def test_audience_refuses_columns_the_privacy_option_protected():
    protected = export.protected_columns(
        [
            "users.csv: column 'E-mail' looks like email addresses (by its name); replaced by a "
            "salted hash.",
            "users.csv: column 'mobile' looks like phone numbers (by its name); removed.",
        ]
    )
    assert {"E-mail", "mobile"} <= protected
    with pytest.raises(
        DataError,
        match=r"no e-mail or phone column \(the privacy option hashed or removed E-mail, mobile",
    ):
        export.audience_tables(_activation(), _contacts(), protected=protected)
    with pytest.raises(DataError, match="Phone region 'ZZ' is not a country code"):
        export.audience_tables(_activation(), _contacts(), region="ZZ")


def _ingest_with_contacts(tmp_path, action: str, *, email_ids: bool = False):
    from core.data import PrivacyOptions, ingest

    ids = [f"user{u}@example.com" if email_ids else f"m{u:03d}" for u in range(40)]
    events = ["member,time,event"] + [
        f"{i},2026-01-{1 + n % 20:02d} 10:00,view" for n, i in enumerate(ids)
    ]
    users = ["member,email,phone,city"] + [
        f"{i},Person{n}@Example.com,138{n:08d},Shanghai" for n, i in enumerate(ids)
    ]
    (tmp_path / "events.csv").write_text("\n".join(events) + "\n", encoding="utf-8")
    (tmp_path / "users.csv").write_text("\n".join(users) + "\n", encoding="utf-8")
    return ids, ingest(
        tmp_path / "events.csv",
        users_source=tmp_path / "users.csv",
        privacy=PrivacyOptions(action=action),
        dest=tmp_path / f"{action}-{email_ids}.duckdb",
    )


@pytest.mark.parametrize("action", ["hash", "drop"])
def test_no_raw_identifier_leaves_when_the_privacy_option_protected_it(tmp_path, action):
    from core.data import dataset_engine

    ids, dataset = _ingest_with_contacts(tmp_path, action, email_ids=True)
    report = dataset.report
    users = export.read_user_attributes(dataset_engine(dataset.path))
    stored_ids = users["user_id"].tolist()
    assert not any("@" in i for i in stored_ids)  # ids were e-mails: pseudonymised
    labels = pd.Series(["S1", "S2"] * 20, index=pd.Index(stored_ids, name="user_id"))
    table = export.activation_table(labels, {"S1": "A", "S2": "B"}, "r1", dt.datetime(2026, 2, 1))
    for fmt in export.ACTIVATION_FORMATS:
        raw = export.activation_bytes(table, fmt)
        assert b"example.com" not in raw.lower() and b"Person" not in raw
    protected = export.protected_columns(report.privacy_actions)
    with pytest.raises(DataError, match="no e-mail or phone column"):
        export.audience_tables(table, users, protected=protected, source="the dataset")
    # a contacts file given at export time: its raw ids are hashed like the dataset's
    contacts = "user_id,email\n" + "".join(f"{i},{i.upper()}\n" for i in ids)
    frame = export.read_contacts(
        contacts.encode(), "contacts.csv", privacy_actions=report.privacy_actions
    )
    assert set(frame["user_id"]) == set(stored_ids)
    lists = export.audience_tables(table, frame, source="contacts.csv")
    assert sum(len(t) for t in lists.values()) == 40
    in_a = frame[frame["user_id"].map(labels) == "S1"]["email"]
    assert set(lists["A"]["email"]) == {_sha(e.lower()) for e in in_a} and len(in_a) == 20


# --- the command line: python -m core personas --activation / --audiences -------------------


@pytest.fixture(scope="module")
def cli_files(tmp_path_factory):
    """Events, users with e-mail and phone, segments and a contacts file of 24 users."""
    root = tmp_path_factory.mktemp("activation-cli")
    ids = [f"c{u:02d}" for u in range(24)]
    events = ["user_id,timestamp,event_type,amount"] + [
        f"{i},2026-01-{1 + n % 9:02d} 1{n % 10}:00,{'purchase' if n % 3 else 'view'},{n}"
        for n, i in enumerate(ids)
        for _ in range(1 + n % 3)
    ]
    (root / "events.csv").write_text("\n".join(events) + "\n")
    users = ["user_id,email,phone,city"] + [
        f"{i},P{n}@Shop.com,139{n:08d},Wuhan" for n, i in enumerate(ids)
    ]
    (root / "users.csv").write_text("\n".join(users) + "\n")
    (root / "segments.csv").write_text(
        "user_id,segment\n" + "".join(f"{i},S{1 + n % 2}\n" for n, i in enumerate(ids))
    )
    (root / "contacts.csv").write_text(
        "user_id,E-mail,mobile\n"
        + "".join(f"{i},P{n}@Shop.com,139{n:08d}\n" for n, i in enumerate(ids))
    )
    return root


def _cli(argv, capsys):
    from core.__main__ import main

    code = main([str(a) for a in argv])
    return code, capsys.readouterr()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_cli_writes_the_activation_file_in_each_format(cli_files, tmp_path, capsys, fmt):
    out = tmp_path / f"act.{fmt}"
    code, io_ = _cli(
        [
            "personas", cli_files / "events.csv", "--segments", cli_files / "segments.csv",
            "--activation", out, "--run-id", "run-42",
        ],
        capsys,
    )  # fmt: skip
    assert code == 0, io_.err
    reader = {"csv": pd.read_csv, "xlsx": pd.read_excel, "parquet": pd.read_parquet}[fmt]
    back = reader(out)
    assert list(back.columns) == list(export.ACTIVATION_COLUMNS)
    assert len(back) == 24 and back["user_id"].is_unique
    assert set(back["run_id"]) == {"run-42"} and back["persona"].notna().all()
    assert not back["persona"].astype(str).str.fullmatch(r"S\d+").any()
    assert "wrote 24 users with their persona" in io_.out


def test_cli_audiences_from_a_contacts_file_hash_every_contact(cli_files, tmp_path, capsys):
    folder = tmp_path / "aud"
    code, io_ = _cli(
        [
            "personas", cli_files / "events.csv", "--users", cli_files / "users.csv",
            "--segments", cli_files / "segments.csv", "--audiences", folder,
            "--contacts", cli_files / "contacts.csv",
        ],
        capsys,
    )  # fmt: skip
    assert code == 0, io_.err
    files = sorted(folder.iterdir())
    assert len(files) == 2
    raw = b"".join(f.read_bytes() for f in files)
    assert raw.startswith(b"email,phone\r\n")  # no byte-order mark: upload forms read the header
    frames = pd.concat(pd.read_csv(f, dtype=str) for f in files)
    assert len(frames) == 24
    expected = {_sha(f"p{n}@shop.com") for n in range(24)}
    assert set(frames["email"]) == expected
    assert set(frames["phone"]) == {_sha(f"86139{n:08d}") for n in range(24)}
    assert b"@" not in raw and b"139000" not in raw


BAD_EXPORTS = [
    # the users file's e-mail and phone were hashed on load: refused, named, nothing written
    (
        ["--users", "{U}", "--audiences", "{T}/a"],
        "The users file has no e-mail or phone column (the privacy option hashed or removed",
    ),
    (["--audiences", "{T}/a"], "has no e-mail or phone column"),
    (["--activation", "{T}/a.docx", "--format", "docx"], "--format docx is not an export format"),
    ([], "Say what to write: --out PERSONAS.json, --activation FILE or --audiences DIR."),
    (["--contacts", "{C}"], "--contacts is read for --audiences DIR"),
    (["--audiences", "{T}/a", "--contacts", "{C}", "--phone-region", "XX"], "Phone region 'XX'"),
]


@pytest.mark.parametrize(("extra", "message"), BAD_EXPORTS)
def test_cli_bad_export_input_is_one_sentence_and_exit_2(
    cli_files, tmp_path, capsys, extra, message
):
    subs = {"{U}": cli_files / "users.csv", "{C}": cli_files / "contacts.csv", "{T}": tmp_path}
    argv = ["personas", cli_files / "events.csv", "--segments", cli_files / "segments.csv"]
    for arg in extra:
        for key, value in subs.items():
            arg = arg.replace(key, str(value))
        argv.append(arg)
    code, io_ = _cli(argv, capsys)
    assert code == 2
    lines = [x for x in io_.err.splitlines() if x.startswith("error:")]
    assert len(lines) == 1 and message in lines[0], io_.err
    assert "Traceback" not in io_.err
    assert not (tmp_path / "a").exists() and not (tmp_path / "a.docx").exists()


def test_the_fast_path_for_mainland_mobiles_agrees_with_libphonenumber():
    import numpy as np
    import phonenumbers

    rng = np.random.default_rng(11)
    numbers = [str(x) for x in rng.integers(10**10, 2 * 10**10, 3000)] + ["17951234567"]
    for s in numbers:
        for written in (s, "+86 " + s, "0086" + s, "86" + s, f"{s[:3]}-{s[3:7]}-{s[7:]}"):
            text = "+" + written[2:] if written.startswith("00") else written
            try:
                number = phonenumbers.parse(text, "CN")
            except phonenumbers.NumberParseException:
                expected = None
            else:
                expected = (
                    phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]
                    if phonenumbers.is_possible_number(number)
                    else None
                )
            assert export.normalise_phone(written) == expected, written
