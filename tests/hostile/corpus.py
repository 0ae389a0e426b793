"""The hostile-input corpus: files a new user might really bring, and what must happen.

Every case is generated here (no binaries are checked in): :func:`write_case` writes a
case's files into a folder. Each :class:`Case` says what the command line must do with
it — exit code 2 and one sentence naming the file for input PersonaLab refuses, exit 0
and a summary on stderr saying what was dropped for input it loads — and, for the
resource cases, the most memory the child process may use.

``python -m tests.hostile.corpus OUT_DIR`` writes every case to ``OUT_DIR/<case id>/``.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

from tests.hostile import xlsx

Content = bytes | str | Callable[[Path], object]

HEAD = "user_id,timestamp,event_type,platform,amount\n"


def rows(n: int = 6, *, seed: int = 1, amount: bool = True) -> str:
    """``n`` ordinary event lines (after HEAD): views, likes and purchases of 3 users."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = ("view", "like", "purchase")[i % 3]
        value = f"{rng.randint(5, 200)}.50" if kind == "purchase" and amount else ""
        user = f"u{(i // 3) % 3}"
        out.append(f"{user},2025-03-{1 + i % 20:02d} {8 + i % 12:02d}:15,{kind},wechat,{value}")
    return "\n".join(out) + "\n"


GOOD = HEAD + rows(12)
USERS = "user_id,age,region\nu0,31,Shanghai\nu1,25,Beijing\nu2,40,Shenzhen\n"


@dataclasses.dataclass(frozen=True)
class Case:
    """One hostile input and the expected outcome.

    ``argv`` may use ``{dir}`` (the case folder, holding ``files``) and ``{out}`` (a
    folder for outputs). ``says`` are phrases the stderr must contain (case-insensitive);
    on exit 2 stderr must be exactly one line naming ``names`` (default: the first file).
    """

    id: str
    files: dict[str, Content]
    code: int
    says: tuple[str, ...] = ()
    argv: tuple[str, ...] = ("features", "{dir}/events.csv", "--out", "{out}/features.csv")
    names: str | None = None
    resource: bool = False
    max_mb: float = 1024.0
    xfail: str | None = None
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    page: bool = False

    @property
    def shown_name(self) -> str | None:
        """The file name the error sentence must contain."""
        if self.names is not None:
            return self.names or None
        return next(iter(self.files), None)


def _csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def _features(name: str) -> tuple[str, ...]:
    return ("features", "{dir}/" + name, "--out", "{out}/features.csv")


def _clv(name: str, *extra: str) -> tuple[str, ...]:
    return (
        "clv",
        "{dir}/" + name,
        "--out",
        "{out}/clv.csv",
        "--params-out",
        "{out}/p.json",
        *extra,
    )


def _wide_csv(n: int) -> str:
    cols = ["user_id", "timestamp", "event_type"] + [f"attribute_{i}" for i in range(n - 3)]
    vals = ["u1", "2025-03-01", "view"] + ["1"] * (n - 3)
    return ",".join(cols) + "\n" + ",".join(vals) + "\n"


def _bom_gbk() -> bytes:
    """A UTF-8 mark, an English header, then GBK text: 451 of 1,500 rows name a Chinese
    campaign (the file of issue 14, item 7, which lost exactly those rows)."""
    body = "user_id,timestamp,event_type,campaign\n" + "".join(
        f"m{i:04d},2025-03-{1 + i % 28:02d} 10:{i % 60:02d},{('view', 'like', 'share')[i % 3]},"
        f"{'春季新品' if i % 3 == 0 and i <= 1350 else 'spring'}\n"
        for i in range(1500)
    )
    return codecs.BOM_UTF8 + body.encode("gbk")


def _late_bad_bytes() -> bytes:
    good = (HEAD + rows(9000)).encode()  # more than the 256 KB encoding sample
    return good + b"u9,2025-03-02 10:00,view,wechat,\nu\xff\xfe8,2025-03-02 10:00,view,wechat,\n"


def _parquet(n_columns: int) -> Callable[[Path], object]:
    def build(path: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        data = {"user_id": ["u1"], "timestamp": ["2025-03-01"], "event_type": ["view"]}
        data.update({f"c{i}": [1] for i in range(n_columns - 3)})
        pq.write_table(pa.table(data), path)

    return build


def _xlsx_rows(table: list[list]) -> Callable[[Path], object]:
    def build(path: Path) -> None:
        import openpyxl

        wb = openpyxl.Workbook()
        for r in table:
            wb.active.append(r)
        wb.save(path)

    return build


def _good_xlsx(path: Path) -> None:
    _xlsx_rows([["user_id", "timestamp", "event_type"], ["u1", "2025-03-01", "view"]])(path)


def _truncated_xlsx(path: Path) -> None:
    _good_xlsx(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _bad_xml_xlsx(path: Path) -> None:
    xlsx.workbook(path, b"<?xml version='1.0'?><worksheet><sheetData><row><c t='inlineStr'>")


def _jsonl_wide(n: int) -> str:
    obj = {"user_id": "u1", "timestamp": "2025-03-01", "event_type": "view"}
    obj.update({f"c{i}": i for i in range(n - 3)})
    return json.dumps(obj) + "\n"


def _big_csv(path: Path) -> None:
    """About 2 MB of ordinary events (for the size-limit case)."""
    path.write_text(HEAD + rows(40_000), encoding="utf-8")


E = "events.csv"
X = "events.xlsx"

# fmt: off
CASES: list[Case] = [
    # --- encodings ---------------------------------------------------------------------------
    Case("bom-then-gbk", {E: _bom_gbk()}, 0, ("1,500 rows read", "1,500 events loaded"), page=True),
    Case("utf16-le-bom", {E: codecs.BOM_UTF16_LE + GOOD.encode("utf-16-le")}, 0, ("12 rows read",)),
    Case("utf16-be-bom", {E: codecs.BOM_UTF16_BE + GOOD.encode("utf-16-be")}, 0, ("12 rows read",)),
    Case("gbk-plain", {E: _csv("用户,时间,行为\nu1,2025-03-01,浏览\nu2,2025-03-02,点赞\n", "gbk")}, 0, ("2 rows read",)),
    Case("big5", {E: _csv("用戶,時間,行為\nu1,2025-03-01,瀏覽\nu2,2025-03-02,點贊\n", "big5")}, 0, ("2 rows read",)),
    Case("cp1252-accents", {E: _csv("user_id,timestamp,event_type,campaign\nu1,2025-03-01,view,Café crème\n", "cp1252")}, 0, ("1 row read",)),
    Case("late-invalid-utf8", {E: _late_bad_bytes()}, 0, ("1 rejected", "encoding")),
    Case("random-binary", {E: random.Random(5).randbytes(4096)}, 2, ("binary",), page=True),
    Case("nul-bytes", {E: b"user_id,timestamp\x00,event_type\n\x00\x00u1,2025-03-01,view\n"}, 2, ("binary",)),
    Case("empty-file", {E: b""}, 2, ("is empty",), page=True),
    Case("only-bom", {E: codecs.BOM_UTF8}, 2, ("is empty",)),
    Case("only-whitespace", {E: b"\n\n   \n\t\n"}, 2, ("empty",)),
    Case("header-only", {E: HEAD}, 2, ("no rows",), page=True),
    Case("header-only-crlf", {E: HEAD.replace("\n", "\r\n")}, 2, ("no rows",)),
    Case("png-named-csv", {E: b"\x89PNG\r\n\x1a\n" + b"\0" * 64}, 2, ("png image",)),
    Case("xlsx-named-csv", {E: _good_xlsx}, 2, ("excel or zip",)),
    Case("pdf-named-csv", {E: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"}, 2, ("pdf",)),
    Case("xls-ole-named-xlsx", {X: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512}, 2, ("could not be opened",), argv=_features(X)),
    Case("crlf-line-endings", {E: GOOD.replace("\n", "\r\n")}, 0, ("12 rows read",)),
    Case("cr-only-line-endings", {E: GOOD.replace("\n", "\r")}, 0, ("12 rows read",)),
    # --- delimiters and shape -----------------------------------------------------------------
    Case("semicolon-decimal-comma", {E: "user_id;timestamp;event_type;amount\nu1;2025-03-01;purchase;12,50\n"}, 0, ("1 row read",)),
    Case("tab-in-csv", {E: GOOD.replace(",", "\t")}, 0, ("12 rows read",)),
    Case("pipe-separated", {E: GOOD.replace(",", "|")}, 0, ("12 rows read",)),
    Case("tsv-extension", {"events.tsv": GOOD.replace(",", "\t")}, 0, ("12 rows read",), argv=_features("events.tsv")),
    Case("ragged-rows", {E: HEAD + rows(6) + "u9,2025-03-02 10:00,view,wechat,,extra,more\nu8,2025-03-02\n"}, 0, ("8 rows read", "more fields than the header: 1", "fewer fields than the header: 1")),
    Case("no-header-row", {E: rows(6)}, 2, ("looks like data",), page=True),
    Case("single-column", {E: "user_id\nu1\nu2\n"}, 2, ("no column",)),
    Case("unknown-columns", {E: "a,b,c\n1x,2y,3z\n4x,5y,6z\n"}, 2, ("no column looks like",)),
    Case("hash-separated", {E: "user_id#timestamp#event_type\nu1#2025-03-01#view\n"}, 2, ("no column looks like",)),
    Case("duplicate-headers", {E: "user_id,timestamp,event_type,event_type\nu1,2025-03-01,view,like\n"}, 0, ("1 row read",)),
    Case("quoted-newlines", {E: 'user_id,timestamp,event_type,text\nu1,2025-03-01,comment,"line one\nline two"\n'}, 0, ("1 row read",)),
    Case("unbalanced-quote", {E: 'user_id,timestamp,event_type\nu1,2025-03-01,"view\nu2,2025-03-02,like\n'}, 2, ("events.csv",)),
    # --- huge and wide --------------------------------------------------------------------------
    Case("wide-5000-columns", {E: _wide_csv(5000)}, 2, ("5,000 columns", "at most 500"), resource=True, max_mb=600, page=True),
    Case("wide-501-columns", {E: _wide_csv(501)}, 2, ("501 columns", "at most 500")),
    Case("wide-500-columns", {E: _wide_csv(500)}, 0, ("1 row read",)),
    Case("wide-jsonl", {"events.jsonl": _jsonl_wide(600)}, 2, ("600 columns",), argv=_features("events.jsonl")),
    Case("wide-parquet", {"events.parquet": _parquet(700)}, 2, ("700 columns",), argv=_features("events.parquet")),
    Case("wide-xlsx", {X: lambda p: xlsx.wide(p, 800)}, 2, ("800 columns",), argv=_features(X)),
    Case("over-size-limit", {E: _big_csv}, 2, ("above the 1 mb limit",), env={"PERSONALAB_MAX_UPLOAD_MB": "1"}),
    Case("line-over-2mb", {E: HEAD + "u1,2025-03-01,comment,wechat," + "x" * 2_500_000 + "\n" + rows(3)}, 2, ("longer than 2 mb",), resource=True, max_mb=700),
    # --- xlsx bombs and damage ------------------------------------------------------------------
    Case("xlsx-2gb-cell", {X: lambda p: xlsx.huge_shared_cell(p, 2_000_000_000)}, 2, ("unpacks to",), argv=_features(X), resource=True, max_mb=400, page=True),
    Case("xlsx-100mb-cell", {X: lambda p: xlsx.huge_inline_cell(p, 100_000_000)}, 2, ("packed",), argv=_features(X), resource=True, max_mb=400, page=True),
    Case("xlsx-1mb-text-cell", {X: lambda p: xlsx.huge_inline_cell(p, 1_000_000, random_text=True)}, 2, ("cell longer than", "32,767"), argv=_features(X), resource=True, max_mb=400),
    Case("xlsx-40k-char-cell", {X: lambda p: xlsx.workbook(p, xlsx.sheet([xlsx.HEADER, ("u1", "2025-03-01", "v" * 40_000)]))}, 2, ("row 2", "32,767"), argv=_features(X)),
    Case("xlsx-3m-identical-rows", {X: lambda p: xlsx.many_rows(p, 3_000_000, varied=False)}, 2, ("packed",), argv=_features(X), resource=True, max_mb=400),
    Case("xlsx-1.1m-varied-rows", {X: lambda p: xlsx.many_rows(p, 1_100_000, varied=True)}, 2, ("more than 1,048,576 rows",), argv=_features(X), resource=True, max_mb=400),
    Case("xlsx-zip-bomb-part", {X: lambda p: xlsx.bomb_part(p, 200 * 1024**2)}, 2, ("packed",), argv=_features(X), resource=True, max_mb=400),
    Case("xlsx-unpacks-over-1gb", {X: lambda p: xlsx.bomb_part(p, 1100 * 1024**2)}, 2, ("unpacks to",), argv=_features(X)),
    Case("xlsx-truncated", {X: _truncated_xlsx}, 2, ("could not be opened",), argv=_features(X), page=True),
    Case("xlsx-not-a-zip", {X: b"user_id,timestamp,event_type\nu1,2025-03-01,view\n"}, 2, ("could not be opened",), argv=_features(X)),
    Case("xlsx-broken-xml", {X: _bad_xml_xlsx}, 2, ("could not be opened",), argv=_features(X)),
    Case("xlsx-empty-sheet", {X: _xlsx_rows([])}, 2, ("is empty",), argv=_features(X)),
    Case("xlsx-header-only", {X: _xlsx_rows([["user_id", "timestamp", "event_type"]])}, 2, ("no rows",), argv=_features(X)),
    Case("xlsx-formulas-kept-as-text", {X: _xlsx_rows([["user_id", "timestamp", "event_type", "amount"], ["u1", "2025-03-01", "purchase", "=1+1"], ["u2", "2025-03-02", "purchase", 5]])}, 0, ("formula", "amount is not a number: 1"), argv=_features(X)),
    Case("xlsx-dde-formula-id", {X: _xlsx_rows([["user_id", "timestamp", "event_type"], ['=cmd|"/c calc"!A1', "2025-03-01", "view"]])}, 0, ("formula",), argv=_features(X)),
    # --- formulas in text files -----------------------------------------------------------------
    Case("csv-formula-ids", {E: "user_id,timestamp,event_type\n=HYPERLINK(\"http://x\"),2025-03-01,view\n+1+1,2025-03-02,like\n@SUM(A1),2025-03-03,view\n-2+3,2025-03-04,view\n"}, 0, ("4 rows read",)),
    # --- dates ----------------------------------------------------------------------------------
    Case("dates-1900-some", {E: HEAD + rows(6) + "u5,1900-01-01 00:00,view,wechat,\nu6,1970-01-01 00:00,view,wechat,\n"}, 0, ("date before 1980: 2",)),
    Case("dates-1900-all", {E: HEAD + "u1,1900-01-01,view,,\nu2,1900-01-02,like,,\n"}, 2, ("date before 1980",), page=True),
    Case("dates-far-future-some", {E: HEAD + rows(6) + "u5,2999-01-01 00:00,view,wechat,\n"}, 0, ("date in the future: 1",)),
    Case("dates-far-future-all", {E: HEAD + "u1,9999-12-31,view,,\nu2,2999-01-02,like,,\n"}, 2, ("date in the future",)),
    Case("dates-mixed-offsets", {E: "user_id,timestamp,event_type\nu1,2025-03-01T10:00:00+08:00,view\nu1,2025-03-01T03:00:00Z,like\nu2,2025-03-01T10:00:00-05:00,view\nu2,2025-03-01T11:00:00+08:00,view\n"}, 0, ("different utc offsets", "converted to +08:00")),
    Case("dates-unparseable-all", {E: HEAD + "u1,yesterday,view,,\nu2,soon,like,,\n"}, 2, ("could be read as a date",), page=True),
    Case("dates-unparseable-some", {E: HEAD + rows(6) + "u5,not a date,view,wechat,\n"}, 0, ("timestamp not understood: 1",)),
    Case("dates-feb-30", {E: HEAD + rows(6) + "u5,2025-02-30 10:00,view,wechat,\n"}, 0, ("timestamp not understood: 1",)),
    Case("dates-empty-column", {E: HEAD + "u1,,view,,\nu2,,like,,\n"}, 2, ("is empty",)),
    Case("dates-epoch-zero", {E: "user_id,timestamp,event_type\nu1,0,view\nu2,1740837906,view\n"}, 0, ("2 rows read",)),
    # --- amounts --------------------------------------------------------------------------------
    Case("amount-inf", {E: HEAD + rows(6) + "u1,2025-03-05 10:00,purchase,wechat,inf\n"}, 0, ("amount is not a number: 1",)),
    Case("amount-nan", {E: HEAD + rows(6) + "u1,2025-03-05 10:00,purchase,wechat,NaN\n"}, 0, ("amount is not a number: 1",)),
    Case("amount-1e308", {E: HEAD + rows(6) + "u1,2025-03-05 10:00,purchase,wechat,1e308\n"}, 0, ("amount too large: 1",)),
    Case("amount-negative", {E: HEAD + rows(6) + "u1,2025-03-05 10:00,purchase,wechat,-20\n"}, 0, ("negative amount: 1",)),
    Case("amount-text-some", {E: HEAD + rows(6) + "u1,2025-03-05 10:00,purchase,wechat,twenty\n"}, 0, ("amount is not a number: 1",)),
    Case("amount-text-all", {E: HEAD + "u1,2025-03-01,purchase,,free\nu2,2025-03-02,purchase,,gift\n"}, 2, ("amount column",), page=True),
    Case("amount-all-infinite", {E: HEAD + "u1,2025-03-01,purchase,,inf\nu2,2025-03-02,purchase,,-inf\n"}, 2, ("amount column",)),
    Case("amount-currency-signs", {E: HEAD + 'u1,2025-03-01,purchase,,"¥1,234.50"\nu1,2025-03-05,purchase,,$12\n'}, 0, ("2 rows read", "0 rejected")),
    Case("clv-with-inf-amounts", {E: HEAD + rows(30) + "u1,2025-03-25 10:00,purchase,wechat,inf\nu2,2025-03-26 10:00,purchase,wechat,1e308\n"}, 0, ("amount is not a number: 1", "amount too large: 1"), argv=_clv(E)),
    # --- duplicates -----------------------------------------------------------------------------
    Case("duplicates-kept", {E: HEAD + rows(6) + rows(6)}, 0, ("12 rows read", "12 events loaded", "6 exact duplicate rows kept")),
    Case("duplicates-dropped", {E: HEAD + rows(6) + rows(6)}, 0, ("6 events loaded", "6 exact duplicate rows removed"), argv=(*_features(E), "--drop-duplicates")),
    Case("all-rows-identical", {E: HEAD + "u1,2025-03-01 10:00,view,wechat,\n" * 50}, 0, ("50 rows read", "49 exact duplicate rows kept")),
    # --- users files ----------------------------------------------------------------------------
    Case("users-match-nothing", {E: GOOD, "users.csv": "user_id,age\n" + "".join(f"x{i},30\n" for i in range(100))}, 2, ("none of its 100 user ids",), argv=(*_features(E), "--users", "{dir}/users.csv"), names="users.csv"),
    Case("users-match-some", {E: GOOD, "users.csv": USERS + "x9,50,Wuhan\n"}, 0, ("1 user(s) in users.csv have no events",), argv=(*_features(E), "--users", "{dir}/users.csv")),
    Case("users-no-id-column", {E: GOOD, "users.csv": "age,region\n30,Shanghai\n"}, 2, ("no column looks like a user id",), argv=(*_features(E), "--users", "{dir}/users.csv"), names="users.csv"),
    Case("users-binary", {E: GOOD, "users.csv": b"\x00\x01\x02" * 300}, 2, ("binary",), argv=(*_features(E), "--users", "{dir}/users.csv"), names="users.csv"),
    Case("users-empty", {E: GOOD, "users.csv": b""}, 2, ("is empty",), argv=(*_features(E), "--users", "{dir}/users.csv"), names="users.csv"),
    Case("users-duplicate-ids", {E: GOOD, "users.csv": USERS + "u0,99,Paris\n"}, 0, ("repeated user id",), argv=(*_features(E), "--users", "{dir}/users.csv")),
    # --- ids ------------------------------------------------------------------------------------
    Case("ids-empty-some", {E: HEAD + rows(6) + ",2025-03-05 10:00,view,wechat,\n"}, 0, ("missing user id: 1",)),
    Case("ids-whitespace-some", {E: HEAD + rows(6) + "   ,2025-03-05 10:00,view,wechat,\n"}, 0, ("missing user id: 1",)),
    Case("ids-empty-all", {E: HEAD + ",2025-03-01,view,,\n ,2025-03-02,like,,\n"}, 2, ("missing user id",)),
    Case("ids-very-long", {E: HEAD + "u" * 10_000 + ",2025-03-01 10:00,view,wechat,\n" + rows(3)}, 0, ("4 rows read",)),
    Case("ids-control-chars", {E: HEAD + "u\x1b[31m1,2025-03-01 10:00,view,wechat,\n" + rows(3)}, 0, ("4 rows read",)),
    # --- event types ----------------------------------------------------------------------------
    Case("event-types-unknown-only", {E: "user_id,timestamp,event_type\nu1,2025-03-01,teleport\nu2,2025-03-02,levitate\n"}, 0, ("2 events loaded",)),
    Case("event-types-empty-some", {E: HEAD + rows(6) + "u1,2025-03-05 10:00,,wechat,\n"}, 0, ("missing event type: 1",)),
    Case("event-types-empty-all", {E: HEAD + "u1,2025-03-01,,,\nu2,2025-03-02,,,\n"}, 2, ("missing event type",)),
    # --- files, paths and options ---------------------------------------------------------------
    Case("file-not-found", {}, 2, ("file not found",), argv=_features("missing.csv"), names="missing.csv"),
    Case("path-is-a-folder", {"folder.csv": lambda p: p.mkdir()}, 2, ("is a folder",), argv=_features("folder.csv")),
    Case("extension-xls", {"events.xls": b"\xd0\xcf\x11\xe0"}, 2, (".csv, .tsv, .xlsx",), argv=_features("events.xls")),
    Case("extension-none", {"events": GOOD}, 2, (".csv, .tsv, .xlsx",), argv=_features("events")),
    Case("json-array-not-lines", {"events.json": json.dumps([{"user_id": "u1", "timestamp": "2025-03-01", "event_type": "view"}]) + "\n"}, 0, ("1 row read",), argv=_features("events.json")),
    Case("jsonl-broken-line", {"events.jsonl": '{"user_id": "u1", "timestamp": "2025-03-01", "event_type": "view"}\n{"user_id": \n'}, 2, ("json lines",), argv=_features("events.jsonl")),
    Case("parquet-corrupt", {"events.parquet": b"PAR1" + b"\0" * 100 + b"PAR1"}, 2, ("parquet",), argv=_features("events.parquet")),
    Case("as-of-not-a-date", {E: GOOD}, 2, ("as-of date",), argv=(*_features(E), "--as-of", "next tuesday"), names=""),
    Case("map-unknown-field", {E: GOOD}, 2, ("user_id",), argv=(*_features(E), "--map", "user_id=customer"), names=""),
    # --- owned by other items of issue 14 -------------------------------------------------------
    Case("segment-weight-nan", {E: GOOD}, 2, ("weight",), argv=("segment", "{dir}/events.csv", "--method", "kmeans", "--k", "2", "--weights", "n_view=nan", "--out", "{out}/s.csv"), names=""),
    Case("segment-seed-negative", {E: GOOD}, 2, ("seed",), argv=("segment", "{dir}/events.csv", "--method", "kmeans", "--k", "2", "--seed", "-1", "--out", "{out}/s.csv"), names=""),
    Case("out-is-a-folder", {E: GOOD, "results.csv": lambda p: p.mkdir()}, 2, ("results.csv",), argv=("clv", "{dir}/events.csv", "--out", "{dir}/results.csv"), names=""),
    Case("power-mean-baseline-50", {}, 0, (), argv=("power", "--baseline", "50", "--std", "20", "--mde", "2"), names=""),
    Case("abtest-one-user-in-both-arms", {"exp.csv": "user_id,variant,converted\n" + "".join(f"u1,{'AB'[i % 2]},{i % 3 == 0:d}\n" for i in range(500))}, 2, ("variant",), names="", argv=("abtest", "{dir}/exp.csv", "--variant-col", "variant", "--metric", "converted", "--out", "{out}/ab.json")),
    Case("report-unknown-platform", {E: GOOD}, 2, ("tiktok",), argv=("report", "{dir}/events.csv", "--platform", "tiktok", "--out", "{out}/r.html"), names=""),
]
# fmt: on


def write_case(case: Case, folder: Path) -> Path:
    """Write the files of ``case`` into ``folder`` (created); return ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in case.files.items():
        path = folder / name
        if callable(content):
            content(path)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
    return folder


def main(argv: list[str] | None = None) -> int:
    """Write every case into ``OUT_DIR/<case id>/``."""
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1:
        print("usage: python -m tests.hostile.corpus OUT_DIR", file=sys.stderr)
        return 2
    for case in CASES:
        write_case(case, Path(args[0]) / case.id)
    print(f"wrote {len(CASES)} cases to {args[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
