"""The dataset id: hashed during an upload's copy, or in a thread while a big file loads."""

from __future__ import annotations

import hashlib
import io
import threading
import time

import pytest

from core.data import content_id, ingest, open_dataset, pipeline
from core.errors import DataError

ROWS = "uid,time,event,amount\n" + "".join(
    f"u{i % 7},2025-03-{1 + i % 28:02d} 10:{i % 60:02d}:00,{('view', 'like', 'buy')[i % 3]},"
    f"{'12.5' if i % 3 == 2 else ''}\n"
    for i in range(300)
)


@pytest.fixture
def events(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(ROWS, encoding="utf-8")
    return path


@pytest.fixture
def in_thread(monkeypatch):
    """Every file counts as big: hashed in a thread while the load runs."""
    monkeypatch.setattr(content_id, "BACKGROUND_MIN_BYTES", 1)


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith((".tmp-", "ingest-")))


def test_the_id_is_the_same_whether_hashed_in_a_thread_or_before(events, tmp_path, monkeypatch):
    before = ingest(events, dest=tmp_path / "a.duckdb")
    monkeypatch.setattr(content_id, "BACKGROUND_MIN_BYTES", 1)
    assert content_id.worth_a_thread(events)
    during = ingest(events, dest=tmp_path / "b.duckdb")
    assert during.dataset_id == before.dataset_id
    assert open_dataset(during.path).report == before.report


def test_a_big_file_loaded_before_is_reused_from_the_thread(events, in_thread):
    first = ingest(events)
    again = ingest(events)
    assert (again.path, again.dataset_id) == (first.path, first.dataset_id)
    assert _leftovers(first.path.parent) == []


@pytest.mark.timeout(120)  # without the interrupt the load's last query runs for an hour
def test_the_thread_interrupts_a_load_whose_dataset_is_stored(events, in_thread, monkeypatch):
    first = ingest(events)
    hashed = threading.Event()
    real = content_id._file_sha256

    def slow_hash(path):
        time.sleep(0.2)  # the load is inside its long query by then
        try:
            return real(path)
        finally:
            hashed.set()

    def endless(con, *args, **kwargs):  # a step that would take minutes unless interrupted
        con.execute("SELECT sum(i) FROM range(1000000000000) t(i)").fetchall()
        raise AssertionError("the load was not interrupted")

    monkeypatch.setattr(content_id, "_file_sha256", slow_hash)
    monkeypatch.setattr(pipeline, "write_events", endless)
    started = time.monotonic()
    again = ingest(events)
    assert hashed.is_set() and time.monotonic() - started < 60
    assert (again.path, again.dataset_id) == (first.path, first.dataset_id)
    assert _leftovers(first.path.parent) == []


def test_a_new_file_is_not_interrupted_and_waits_for_its_id(events, in_thread, monkeypatch):
    real = content_id._file_sha256

    def slow_hash(path):
        time.sleep(0.5)
        return real(path)

    monkeypatch.setattr(content_id, "_file_sha256", slow_hash)
    ds = ingest(events)
    assert ds.path.name == f"{ds.dataset_id}.duckdb" and ds.report.rows_loaded == 300
    assert open_dataset(ds.path).dataset_id == ds.dataset_id


def test_a_failing_hash_fails_the_load_and_leaves_nothing(events, in_thread, monkeypatch):
    def broken(path):
        raise OSError("disk went away")

    monkeypatch.setattr(content_id, "_file_sha256", broken)
    folder = events.parent / "out"
    with pytest.raises(OSError, match="disk went away"):
        ingest(events, dest=folder / "x.duckdb")
    assert not (folder / "x.duckdb").exists() and _leftovers(folder) == []


def test_a_bad_file_loaded_in_the_thread_mode_gets_its_sentence(tmp_path, in_thread):
    bad = tmp_path / "bad.csv"
    bad.write_text("who,when\na,b\n", encoding="utf-8")
    with pytest.raises(DataError, match="no column looks like a user id"):
        ingest(bad)
    with pytest.raises(DataError, match="file not found"):
        ingest(tmp_path / "missing.csv")
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(DataError, match="is a folder"):
        ingest(tmp_path / "folder.csv")


def test_an_upload_hashed_while_copied_is_not_read_again(events, tmp_path, monkeypatch):
    target = tmp_path / "upload.csv"
    digest = content_id.copy_hashed(io.BytesIO(events.read_bytes()), target, chunk=64)
    assert digest == hashlib.sha256(events.read_bytes()).hexdigest()
    assert target.read_bytes() == events.read_bytes()

    real_open = open

    def no_read(path, *args, **kwargs):
        if str(path) == str(target):
            raise AssertionError("the file was read again to hash it")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(content_id, "open", no_read, raising=False)
    assert content_id.hash_input(target) == digest
    assert not content_id.worth_a_thread(target)  # known: nothing left to hash
    ds = ingest(target, source_name="events.csv")
    monkeypatch.undo()
    assert ds.dataset_id == ingest(events, dest=tmp_path / "b.duckdb").dataset_id


def test_a_file_changed_after_its_copy_is_hashed_anew(tmp_path):
    target = tmp_path / "upload.csv"
    content_id.copy_hashed(io.BytesIO(b"uid,time,event\nu1,2025-03-01,view\n"), target)
    target.write_bytes(b"uid,time,event\nu2,2025-03-02,like\n")  # same size, new bytes
    assert content_id.hash_input(target) == hashlib.sha256(target.read_bytes()).hexdigest()


def test_a_file_is_hashed_in_blocks_like_hashlib(tmp_path, monkeypatch):
    monkeypatch.setattr(content_id, "_COPY_CHUNK", 7)
    data = bytes(range(256)) * 3
    path = tmp_path / "blocks.csv"
    path.write_bytes(data)
    assert content_id.hash_input(path) == hashlib.sha256(data).hexdigest()


def test_an_empty_file_has_the_empty_hash(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert content_id.hash_input(empty) == hashlib.sha256(b"").hexdigest()


def test_the_remembered_digests_stay_few(tmp_path, monkeypatch):
    monkeypatch.setattr(content_id, "_KNOWN_MAX", 3)
    monkeypatch.setattr(content_id, "_known", {})
    paths = [tmp_path / f"f{i}.csv" for i in range(5)]
    for i, p in enumerate(paths):
        content_id.copy_hashed(io.BytesIO(f"{i}".encode()), p)
    assert len(content_id._known) == 3
    assert content_id._known_digest(paths[0]) is None
    assert content_id._known_digest(paths[4]) == hashlib.sha256(b"4").hexdigest()
