"""Activation exports: every user with their persona, and hashed audience lists for ad tools.

Two kinds of file, for acting on segments in a CRM or an ad platform:

- **The activation file** (:func:`activation_table`, written by :func:`activation_bytes`
  as CSV, Excel ``.xlsx`` or Parquet): one row per user with ``user_id``, ``segment``,
  ``persona`` (the name shown on the Personas page), ``run_id`` and ``assigned_at`` (when
  the segmentation was saved, UTC). The ``user_id`` is the id as stored: when the privacy
  option replaced ids by a salted hash at load time, the file holds that pseudonym, never
  the raw id.
- **Audience files** (:func:`audience_files`): one CSV per persona for customer-list
  uploads (Meta custom audiences, Google Customer Match, TikTok and others), with the
  columns ``email`` and/or ``phone`` holding the lower-case hex SHA-256 of the normalised
  value, never the value itself. E-mail: trimmed and lower-cased, and kept only when it
  has the shape ``name@domain.tld``. Phone: parsed with Google's libphonenumber
  (``phonenumbers``), numbers written without a country code read as numbers of
  ``region`` (default ``CN``, +86), kept only when the number is possible there, then
  written as the E.164 digits without the ``+`` (``8613812345678``) before hashing.

Contact columns come from the dataset's user attributes (found by their name or their
values, as on upload) or from a contacts file given at export time and never stored. A
column that the privacy option hashed or dropped at load time is never used: its values
are already pseudonyms that no ad platform can match, and the person who loaded the data
chose not to keep them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable, Mapping

import pandas as pd

from core.common.sql import quote_identifier
from core.data import (
    guess_mapping,
    hash_sql,
    kind_by_content,
    kind_by_name,
    load_source,
    resolve_salt,
)
from core.errors import DataError
from core.export.csv_export import safe_csv, safe_frame
from core.i18n import tr

__all__ = [
    "ACTIVATION_COLUMNS",
    "ACTIVATION_FORMATS",
    "DEFAULT_PHONE_REGION",
    "EXCEL_MAX_USERS",
    "activation_bytes",
    "activation_table",
    "audience_files",
    "audience_tables",
    "contact_columns",
    "ids_were_hashed",
    "normalise_email",
    "normalise_phone",
    "protected_columns",
    "read_contacts",
    "read_user_attributes",
    "sha256_hex",
]

ACTIVATION_COLUMNS = ("user_id", "segment", "persona", "run_id", "assigned_at")
#: File formats of the activation file, by the name a user types (``--format``).
ACTIVATION_FORMATS = {
    "csv": ("text/csv", ".csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "parquet": ("application/vnd.apache.parquet", ".parquet"),
}
#: Users an Excel sheet holds below its header row.
EXCEL_MAX_USERS = 1_048_575
#: Where a phone number written without a country code is read as a local number.
DEFAULT_PHONE_REGION = "CN"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
_PRIVACY_COLUMN = re.compile(r"column '(.+?)'")
# A mainland mobile number, written nationally or with +86 / 0086, separators removed.
# libphonenumber parses one number in about 65 us of Python; this covers the common case
# (most phone columns in Chinese exports) far faster, with the same answer (a test
# compares the two; 179 is left out: the library reads some 179 numbers as a dialling
# prefix), and leaves every other number to the library.
_CN_MOBILE = re.compile(r"^(?:\+86|0086|86)?(1(?:[3-689]\d|7[0-8])\d{8})$")
_SEPARATORS = re.compile(r"[\s().-]")
# The load report's sentences when user ids were replaced by a salted hash.
_IDS_HASHED = ("ids were replaced by a salted hash", "user ids hashed too")


def sha256_hex(text: str) -> str:
    """Lower-case hex SHA-256 of UTF-8 ``text`` (what ad platforms match on)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_email(value: object) -> str | None:
    """An e-mail address trimmed and lower-cased, or None when it is not one.

    Examples
    --------
    >>> normalise_email("  Ann.Lee@Example.COM ")
    'ann.lee@example.com'
    >>> normalise_email("not an e-mail") is None
    True
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip().lower()
    return text if _EMAIL.match(text) else None


def normalise_phone(value: object, region: str = DEFAULT_PHONE_REGION) -> str | None:
    """A phone number as E.164 digits without ``+`` (``8613812345678``), or None.

    Parameters
    ----------
    value : object
        The number as written: spaces, dashes, brackets, ``+`` or ``00`` prefixes allowed.
    region : str
        Two-letter country code (ISO 3166) for numbers written without a country code.

    Returns
    -------
    str or None
        None when the text is not a possible phone number of that country.
    """
    import phonenumbers  # loaded only for audience files

    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if region == "CN":
        fast = _CN_MOBILE.match(_SEPARATORS.sub("", text))
        if fast:
            return "86" + fast.group(1)
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def _check_region(region: str) -> str:
    """The region in upper case, or DataError naming the value."""
    import phonenumbers

    code = str(region or "").strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise DataError(
            tr(
                "Phone region '{region}' is not a country code; use a two-letter code such as "
                "CN, US or GB.",
                region=region,
            )
        )
    return code


def _about_sheet(writer) -> None:
    """A second sheet that says, in the reader's language, what each column holds."""
    rows = [
        ("user_id", tr("The user's id as stored in PersonaLab (a pseudonym if ids were hashed).")),
        ("segment", tr("The segment the user belongs to.")),
        ("persona", tr("The persona name shown on the Personas page.")),
        ("run_id", tr("The saved segmentation the segments come from.")),
        ("assigned_at", tr("When the segmentation was saved (UTC).")),
    ]
    frame = pd.DataFrame(rows, columns=[tr("Column"), tr("What it holds")])
    safe_frame(frame).to_excel(writer, index=False, sheet_name=tr("About this file")[:31])


def activation_table(
    labels: pd.Series, names: Mapping[str, str], run_id: str, assigned_at: dt.datetime
) -> pd.DataFrame:
    """Every user with their segment, persona name, run id and assignment time.

    Parameters
    ----------
    labels : Series
        Segment per user, indexed by ``user_id`` (a saved run's labels).
    names : mapping
        Persona name per segment: every segment must have one.
    run_id : str
        The saved run (or, on the command line, the segments file's fingerprint).
    assigned_at : datetime
        When the segments were assigned; written in UTC.

    Returns
    -------
    DataFrame
        Columns :data:`ACTIVATION_COLUMNS`, one row per user, in the labels' order.
    """
    if labels is None or len(labels) == 0:
        raise DataError(tr("This segmentation has no users; save a segmentation with users first."))
    segments = labels.astype(str)
    unnamed = sorted(s for s in segments.unique() if not str(names.get(s) or "").strip())
    if unnamed:
        raise DataError(
            tr(
                "Segment(s) {segments} have no persona name; open the Personas page "
                "(or run `python -m core personas`) so every segment gets a name, then export "
                "again.",
                segments=", ".join(unnamed[:5]),
            )
        )
    stamp = pd.Timestamp(assigned_at)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return pd.DataFrame(
        {
            "user_id": labels.index.astype(str),
            "segment": segments.to_numpy(),
            "persona": segments.map(lambda s: str(names[s]).strip()).to_numpy(),
            "run_id": str(run_id),
            "assigned_at": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    )


def activation_bytes(table: pd.DataFrame, fmt: str) -> bytes:
    """The activation file's bytes in ``fmt``: ``csv``, ``xlsx`` or ``parquet``.

    Parameters
    ----------
    table : DataFrame
        From :func:`activation_table`.
    fmt : str
        One of :data:`ACTIVATION_FORMATS`.

    Returns
    -------
    bytes
        CSV through :func:`core.export.safe_csv`; Excel with text cells neutralised the
        same way (a sheet named ``users``); Parquet with every column as text.
    """
    key = str(fmt or "").strip().lower().lstrip(".")
    if key not in ACTIVATION_FORMATS:
        raise DataError(
            f"'{fmt}' is not an export format; use one of {', '.join(ACTIVATION_FORMATS)}."
        )
    if key == "csv":
        return safe_csv(table)
    buffer = io.BytesIO()
    if key == "xlsx":
        if len(table) > EXCEL_MAX_USERS:
            raise DataError(
                tr(
                    "{users} users do not fit on one Excel sheet ({rows} rows at most); "
                    "export as csv or parquet instead.",
                    users=fmt.number(len(table)),
                    rows=fmt.number(EXCEL_MAX_USERS),
                )
            )
        # XlsxWriter writes this sheet about 2.4x faster than openpyxl (benchmarks/
        # bench_activation.py) and, told so, stores every text as text, never a formula.
        options = {"strings_to_formulas": False, "strings_to_urls": False}
        with pd.ExcelWriter(
            buffer, engine="xlsxwriter", engine_kwargs={"options": options}
        ) as writer:
            safe_frame(table).to_excel(writer, index=False, sheet_name="users")
            _about_sheet(writer)
    else:
        table.astype("string").to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


def protected_columns(privacy_actions: Iterable[str]) -> set[str]:
    """Columns the privacy option hashed or dropped, read from the dataset's load report.

    Parameters
    ----------
    privacy_actions : iterable of str
        The report's sentences (``IngestReport.privacy_actions``), each naming a column
        as ``column 'NAME'``.

    Returns
    -------
    set of str
        Each named column, and its ``NAME_custom`` form (the name a custom attribute gets
        when it clashes with a standard one).
    """
    found: set[str] = set()
    for sentence in privacy_actions or ():
        for name in _PRIVACY_COLUMN.findall(str(sentence)):
            found |= {name, f"{name}_custom"}
    return found


def contact_columns(users: pd.DataFrame, protected: Iterable[str] = ()) -> dict[str, str]:
    """Columns of ``users`` holding e-mail addresses or phone numbers: ``{column: kind}``.

    A column counts by its name (``email``, ``手机``, ...) or when most of its values look
    like e-mails or phones, the same rules as on upload. Columns in ``protected`` (hashed
    or dropped by the privacy option) and ``user_id`` never count.
    """
    skip = set(protected) | {"user_id"}
    found: dict[str, str] = {}
    for column in users.columns:
        if column in skip:
            continue
        kind = kind_by_name(str(column))
        if kind not in ("email", "phone"):
            kind = kind_by_content(users[column].dropna().astype(str).head(500).tolist())
        if kind in ("email", "phone"):
            found[column] = kind
    return found


def audience_tables(
    activation: pd.DataFrame,
    users: pd.DataFrame,
    *,
    protected: Iterable[str] = (),
    region: str = DEFAULT_PHONE_REGION,
    source: str = "the user attributes",
) -> dict[str, pd.DataFrame]:
    """Hashed contact lists per persona, ready for a customer-list upload.

    Parameters
    ----------
    activation : DataFrame
        From :func:`activation_table`.
    users : DataFrame
        ``user_id`` plus any attribute columns (the dataset's users table, or a contacts
        file read for this export only).
    protected : iterable of str
        Columns the privacy option hashed or dropped (:func:`protected_columns`).
    region : str
        Country for phone numbers written without a country code.
    source : str
        What ``users`` is, for the message when it has no contact column.

    Returns
    -------
    dict
        Persona name -> DataFrame with ``email`` and/or ``phone`` (SHA-256 hex of the
        normalised value; empty where a user has none), one row per member with at least
        one usable contact. Personas without any are left out.
    """
    region = _check_region(region)
    protected = set(protected)
    if "user_id" not in users.columns:
        raise DataError(
            tr("{source} has no user_id column; add one that matches the user ids.", source=source)
        )
    columns = contact_columns(users, protected)
    if not columns:
        hidden = sorted(c for c in protected if not c.endswith("_custom"))
        if hidden:
            raise DataError(
                tr(
                    "{source} has no e-mail or phone column (the privacy option hashed or "
                    "removed {columns} on upload, and ad platforms cannot match those); give a "
                    "contacts file with user_id and an email or phone column to make audience "
                    "files.",
                    source=source,
                    columns=", ".join(hidden),
                )
            )
        raise DataError(
            tr(
                "{source} has no e-mail or phone column; give a contacts file with "
                "user_id and an email or phone column to make audience files.",
                source=source,
            )
        )
    contacts = users[["user_id", *columns]].copy()
    contacts["user_id"] = contacts["user_id"].astype(str)
    contacts = contacts.drop_duplicates("user_id")
    out = pd.DataFrame({"user_id": contacts["user_id"]})
    for kind in ("email", "phone"):
        cols = [c for c, k in columns.items() if k == kind]
        if not cols:
            continue
        norm = normalise_email if kind == "email" else (lambda v: normalise_phone(v, region))
        # The first column of this kind with a usable value, per user.
        value = pd.Series(pd.NA, index=contacts.index, dtype="object")
        for col in cols:
            value = value.fillna(contacts[col].map(norm, na_action="ignore"))
        out[kind] = value.map(sha256_hex, na_action="ignore")
    kinds = [k for k in ("email", "phone") if k in out.columns]
    merged = activation[["user_id", "persona"]].merge(out, on="user_id", how="inner")
    merged = merged.dropna(subset=kinds, how="all")
    return {
        str(persona): group[kinds].fillna("").reset_index(drop=True)
        for persona, group in merged.groupby("persona", sort=False)
    }


def audience_files(tables: Mapping[str, pd.DataFrame]) -> dict[str, bytes]:
    """One CSV file per persona: ``audience_<persona>.csv`` -> bytes (safe CSV, no BOM).

    File names keep letters and digits of any script (Chinese names stay readable) and
    replace everything else by ``_``; two personas whose names clash get ``_2``, ``_3``.
    """
    files: dict[str, bytes] = {}
    for persona, table in tables.items():
        slug = re.sub(r"[^\w]+", "_", persona, flags=re.UNICODE).strip("_")[:60] or "persona"
        name, n = f"audience_{slug}.csv", 2
        while name in files:
            name, n = f"audience_{slug}_{n}.csv", n + 1
        files[name] = safe_csv(table, bom=False)
    return files


def ids_were_hashed(privacy_actions: Iterable[str]) -> bool:
    """True when the load report says user ids were replaced by a salted hash."""
    return any(marker in str(s) for s in privacy_actions or () for marker in _IDS_HASHED)


def read_user_attributes(engine) -> pd.DataFrame:
    """The dataset's ``users`` table (user id and attributes), as text.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The dataset's engine (``core.data.dataset_engine``).

    Returns
    -------
    DataFrame
        Empty (only ``user_id``) when the dataset was loaded without a users file.
    """
    import sqlalchemy as sa

    from core.data import users_table

    table = users_table(engine)
    if table is None:
        return pd.DataFrame({"user_id": pd.Series(dtype="object")})
    with engine.connect() as conn:
        frame = pd.read_sql(sa.select(table), conn)
    return frame.astype({c: "object" for c in frame.columns})


def read_contacts(source, name: str | None = None, *, privacy_actions: Iterable[str] = ()):
    """A contacts file (user id plus e-mail and/or phone), read for one export only.

    Parameters
    ----------
    source : str, Path or bytes
        CSV, Excel, Parquet or JSON lines, read by the same loader as the events.
    name : str, optional
        The file's name (its extension and messages) when ``source`` is bytes.
    privacy_actions : iterable of str
        The dataset's load report sentences: when they say user ids were replaced by a
        salted hash, the contacts file's ids are hashed the same way (in DuckDB, with the
        same salt) so they match; the raw ids are not kept.

    Returns
    -------
    DataFrame
        ``user_id`` plus the file's other columns, as text. Nothing is stored.
    """
    import duckdb

    label = name or str(source)
    con = duckdb.connect()
    try:
        loaded = load_source(source, label, con, table="contacts")
        id_col = next(
            (c for c, f in guess_mapping(loaded.columns, "users").items() if f == "user_id"),
            None,
        )
        if id_col is None:
            raise DataError(
                tr(
                    "{file}: no column looks like a user id (columns: {columns}); name it user_id.",
                    file=label,
                    columns=", ".join(loaded.columns[:10]),
                )
            )
        uid = f"NULLIF(TRIM({quote_identifier(id_col)}), '')"
        if ids_were_hashed(privacy_actions):
            con.execute("SET VARIABLE personalab_salt = ?", [resolve_salt()])
            uid = hash_sql(quote_identifier(id_col))
        others = [c for c in loaded.columns if c != id_col]
        select = ", ".join([f"{uid} AS user_id", *(quote_identifier(c) for c in others)])
        frame = con.execute(f"SELECT {select} FROM contacts").df()
    finally:
        con.close()
    frame = frame.dropna(subset=["user_id"])
    if frame.empty:
        raise DataError(
            tr("{file} has no rows with a user id; export the contacts again.", file=label)
        )
    return frame.astype("object")
