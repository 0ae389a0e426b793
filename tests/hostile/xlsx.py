"""Build hostile .xlsx workbooks quickly, without holding their unpacked size in memory.

A workbook is a zip archive. A zip-bomb part (one 2 GB cell, three million rows) is
written as one deflate block compressed once and repeated: a block that ends with a full
flush starts from an empty dictionary, so copies of it concatenate into a valid stream.
That makes a 2 GB cell take a couple of seconds to write instead of compressing 2 GB.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from pathlib import Path

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"


class Repeated:
    """A part made of ``head``, then ``body`` ``times`` times, then ``tail`` (all bytes)."""

    def __init__(self, head: bytes, body: bytes, times: int, tail: bytes) -> None:
        self.head, self.body, self.times, self.tail = head, body, times, tail

    def deflate(self) -> tuple[bytes, int, int]:
        """(raw deflate stream, crc32, unpacked size) without unpacking it in memory."""
        blocks = []
        for piece in (self.head, self.body):
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            blocks.append(c.compress(piece) + c.flush(zlib.Z_FULL_FLUSH))
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        last = c.compress(self.tail) + c.flush(zlib.Z_FINISH)
        crc = zlib.crc32(self.head)
        for _ in range(self.times):
            crc = zlib.crc32(self.body, crc)
        crc = zlib.crc32(self.tail, crc)
        size = len(self.head) + len(self.body) * self.times + len(self.tail)
        return blocks[0] + blocks[1] * self.times + last, crc, size


def _deflate(data: bytes) -> tuple[bytes, int, int]:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(), zlib.crc32(data), len(data)


def write_zip(path: Path, parts: Iterable[tuple[str, bytes | Repeated]]) -> Path:
    """Write a zip archive (deflate, no zip64) from (name, bytes or Repeated) parts."""
    central = []
    with open(path, "wb") as out:
        for name, content in parts:
            data, crc, size = (
                content.deflate() if isinstance(content, Repeated) else _deflate(content)
            )
            raw = name.encode()
            offset = out.tell()
            out.write(
                struct.pack(
                    "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(raw), 0
                )
            )
            out.write(raw)
            out.write(data)
            central.append(
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    0x02014B50,
                    20,
                    20,
                    0,
                    8,
                    0,
                    0x21,
                    crc,
                    len(data),
                    size,
                    len(raw),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )  # fmt: skip
                + raw
            )
        start = out.tell()
        for entry in central:
            out.write(entry)
        end = out.tell()
        out.write(
            struct.pack(
                "<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), end - start, start, 0
            )
        )
    return path


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def row_xml(values: Iterable[str]) -> str:
    """One sheet row of inline strings (no cell references: they are optional)."""
    cells = "".join(f'<c t="inlineStr"><is><t>{_text(v)}</t></is></c>' for v in values)
    return f"<row>{cells}</row>"


def workbook(
    path: Path,
    sheet: bytes | Repeated,
    shared_strings: bytes | Repeated | None = None,
    extra: Iterable[tuple[str, bytes | Repeated]] = (),
) -> Path:
    """A minimal workbook whose first sheet is ``sheet`` (the full worksheet XML)."""
    sst = shared_strings or (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" '
        b'uniqueCount="0"></sst>'
    )
    return write_zip(
        path,
        [
            ("[Content_Types].xml", _CONTENT_TYPES.encode()),
            ("_rels/.rels", _RELS.encode()),
            ("xl/workbook.xml", _WORKBOOK.encode()),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.encode()),
            ("xl/worksheets/sheet1.xml", sheet),
            ("xl/sharedStrings.xml", sst),
            *extra,
        ],
    )


def sheet(rows: Iterable[Iterable[str]]) -> bytes:
    """Worksheet XML holding ``rows`` of text cells."""
    return (SHEET_HEAD + "".join(row_xml(r) for r in rows) + SHEET_TAIL).encode()


HEADER = ("user_id", "timestamp", "event_type")


def huge_shared_cell(path: Path, size: int) -> Path:
    """One data cell that is a shared string of ``size`` letters (the 'cellbomb')."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        b'uniqueCount="1"><si><t>'
    )
    chunk = b"A" * (1 << 20)
    sst = Repeated(head, chunk, size // len(chunk), b"</t></si></sst>")
    rows = SHEET_HEAD + row_xml(HEADER) + '<row><c t="s"><v>0</v></c>'
    rows += '<c t="inlineStr"><is><t>2025-03-01</t></is></c><c t="inlineStr"><is><t>view</t></is></c></row>'
    return workbook(path, (rows + SHEET_TAIL).encode(), sst)


def huge_inline_cell(path: Path, size: int, *, random_text: bool = False) -> Path:
    """One inline cell of ``size`` characters in the sheet itself."""
    import random

    head = (SHEET_HEAD + row_xml(HEADER) + '<row><c t="inlineStr"><is><t>').encode()
    tail = (
        '</t></is></c><c t="inlineStr"><is><t>2025-03-01</t></is></c>'
        '<c t="inlineStr"><is><t>view</t></is></c></row>' + SHEET_TAIL
    ).encode()
    if random_text:  # packs like ordinary text (about 1.6 times), not like a bomb
        rng = random.Random(14)
        body = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(size)).encode()
        return workbook(path, head + body + tail)
    chunk = b"B" * (1 << 20)
    return workbook(path, Repeated(head, chunk, max(size // len(chunk), 1), tail))


def many_rows(path: Path, n_rows: int, *, varied: bool) -> Path:
    """``n_rows`` data rows: identical ones (packs thousands of times) or varied ones."""
    block = 10_000
    if varied:
        import random

        rng = random.Random(3)
        body = "".join(
            row_xml((f"u{rng.randrange(10**9)}", f"2025-03-{rng.randrange(1, 28):02d} "
                     f"{rng.randrange(24):02d}:{rng.randrange(60):02d}", rng.choice(("view", "like"))))
            for _ in range(block)
        )  # fmt: skip
    else:
        body = row_xml(("u1", "2025-03-01", "view")) * block
    head = (SHEET_HEAD + row_xml(HEADER)).encode()
    return workbook(path, Repeated(head, body.encode(), n_rows // block, SHEET_TAIL.encode()))


def bomb_part(path: Path, size: int) -> Path:
    """A valid small sheet plus an unused part of ``size`` zero bytes (a classic zip bomb)."""
    rows = [HEADER, ("u1", "2025-03-01", "view")]
    padding = Repeated(b"", b"\0" * (1 << 20), size // (1 << 20), b"")
    return workbook(path, sheet(rows), extra=[("xl/media/padding.bin", padding)])


def wide(path: Path, n_columns: int) -> Path:
    """A header of ``n_columns`` names and one row."""
    header = ["user_id", "timestamp", "event_type"] + [f"c{i}" for i in range(n_columns - 3)]
    values = ["u1", "2025-03-01", "view"] + ["1"] * (n_columns - 3)
    return workbook(path, sheet([header, values]))
