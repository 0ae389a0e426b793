"""PII detection by name and content, salts and hashing."""

from __future__ import annotations

import duckdb
import pytest

from core.data import (
    PrivacyOptions,
    detect_pii,
    hash_sql,
    id_card_checksum_ok,
    kind_by_content,
    kind_by_name,
    resolve_salt,
    value_kind,
)
from core.errors import DataError

# A valid 18-character ID (checksum by hand with the GB 11643 weights: weighted sum 167,
# 167 % 11 = 2 -> check character "10X98765432"[2] = "X").
VALID_ID = "11010519491231002X"


def test_id_card_checksum():
    assert id_card_checksum_ok(VALID_ID)
    assert id_card_checksum_ok(VALID_ID.lower())
    assert not id_card_checksum_ok("110105194912310021")
    assert not id_card_checksum_ok("1101051949123100")


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("a.b@example.com", "email"),
        ("13812345678", "phone"),
        ("+86 138 1234 5678", "phone"),
        ("+8613812345678", "phone"),
        ("138-1234-5678", "phone"),
        ("+1 (415) 555-2671", "phone"),
        ("415-555-2671", "phone"),
        ("010-12345678", "phone"),
        (VALID_ID, "id_card"),
        ("12812345678", None),
        ("2025-03-01", None),
        ("1740837906", None),
        ("1740837906000", None),
        ("u123", None),
        ("45717.5", None),
    ],
)
def test_value_kind(value, kind):
    assert value_kind(value) == kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("姓名", "name"),
        ("name", "name"),
        ("Email", "email"),
        ("邮箱", "email"),
        ("phone", "phone"),
        ("手机号", "phone"),
        ("电话", "phone"),
        ("身份证号", "id_card"),
        ("id_card", "id_card"),
        ("收货地址", "address"),
        ("address", "address"),
        ("username", None),
        ("event_name", None),
        ("platform", None),
    ],
)
def test_kind_by_name(name, kind):
    assert kind_by_name(name) == kind


def test_kind_by_content_needs_a_majority():
    assert kind_by_content(["a@x.com", "b@y.org", "nope", None, ""]) == "email"
    assert kind_by_content(["a@x.com", "nope", "nope2"]) is None
    assert kind_by_content([]) is None


def test_detect_pii_skips_user_id_name_but_not_its_content():
    samples = {
        "username": ["alice", "bob"],
        "contact": ["13812345678", "13912345678"],
        "note": ["hello", "13812345678"],
        "uid": ["13812345678", "15912345678"],
    }
    found = detect_pii(samples, skip_names=["username", "uid"])
    assert [(p.column, p.kind, p.found_by) for p in found] == [
        ("contact", "phone", "name"),
        ("note", "phone", "content"),
        ("uid", "phone", "content"),
    ]


def test_privacy_options_validate():
    with pytest.raises(DataError, match="'hash' or 'drop'"):
        PrivacyOptions(action="encrypt")
    with pytest.raises(DataError, match="min_group_size"):
        PrivacyOptions(min_group_size=0)


def test_salt_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("PERSONALAB_DATA_DIR", str(tmp_path))
    assert resolve_salt(PrivacyOptions(salt="explicit")) == "explicit"
    monkeypatch.setenv("PERSONALAB_SALT", "from-env")
    assert resolve_salt() == "from-env"
    monkeypatch.delenv("PERSONALAB_SALT")
    first = resolve_salt()
    assert len(first) == 64 and (tmp_path / "secret_salt").read_text() == first
    assert resolve_salt() == first  # generated once, then reused
    assert (tmp_path / "secret_salt").stat().st_mode & 0o077 == 0


def test_hash_sql_is_salted_sha256_prefix():
    import hashlib

    con = duckdb.connect()
    con.execute("SET VARIABLE personalab_salt = 'pepper'")
    got = con.execute(
        f"SELECT {hash_sql('v')} FROM (VALUES (' 13812345678 '), (''), (NULL)) t(v)"
    ).fetchall()
    expected = hashlib.sha256(b"pepper13812345678").hexdigest()[:16]
    assert got == [(expected,), (None,), (None,)]
