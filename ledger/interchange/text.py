"""Bytes into lines of text: universal newlines, a leading byte order mark dropped, and bytes that
are not UTF-8 named by their line and column (`LineDecodeError`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..domain.errors import InvalidField

_UTF8_BOM = "\ufeff"


class LineDecodeError(InvalidField):
    """Input bytes that are not UTF-8 text: `line` and `column` (both from 1; the column counts
    characters, the bad byte's own place in its line is `byte`) say where the first bad byte is.

    An `InvalidField`, hence a `Refused` and a `LedgerError`: the CLI's error handler turns it
    into `error: …` and exit 2 without further ado."""

    def __init__(self, line: int, column: int, byte: int, reason: str) -> None:
        super().__init__(code="line_not_utf8", params={"line": line, "column": column, "reason": reason})
        self.line = line
        self.column = column
        self.byte = byte
        self.reason = reason


def decode_lines(data: bytes) -> list[str]:
    r"""Split bytes into text lines, as a text file opened with universal newlines would be read:
    `\n`, `\r\n` and a lone `\r` end a line and each line ends with `\n` (the last one only if
    the data did). A UTF-8 byte order mark at the very start is dropped. Raise `LineDecodeError`
    naming the first line (and column) that is not UTF-8."""
    return [_decoded(number, raw) for number, raw in enumerate(data.splitlines(keepends=True), start=1)]


def _decoded(number: int, raw: bytes) -> str:
    body = raw.rstrip(b"\r\n")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        column = len(body[: error.start].decode("utf-8", errors="replace")) + 1
        bad = body[error.start : error.end].hex(" ")
        raise LineDecodeError(number, column, error.start + 1, f"{error.reason}, byte(s) {bad}") from None
    if number == 1 and text.startswith(_UTF8_BOM):
        text = text[1:]
    return text + "\n" if len(body) != len(raw) else text


def read_input_lines(path: str) -> list[str]:
    """The lines of the file at `path`, or of standard input's bytes for `-` (see `decode_lines`).
    Raise `LineDecodeError` for bytes that are not UTF-8, `OSError` for a file that cannot be read."""
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        data = stream.read() if stream is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
    else:
        data = Path(path).read_bytes()
    return decode_lines(data)


#: Bytes read at a time by `stream_input_lines`.
BLOCK = 1 << 16


def stream_input_lines(path: str) -> Iterator[str]:
    """`read_input_lines`, line by line as the input is read: memory holds a block, not the file.
    A line that is not UTF-8 raises `LineDecodeError` when it is reached (an import then appends
    nothing); a file that cannot be opened raises `OSError` at once."""
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:
            return iter(decode_lines(sys.stdin.read().encode("utf-8", "surrogateescape")))
        return _stream(stream)
    return _stream_file(open(path, "rb"))  # noqa: SIM115 - closed by the generator


def _stream_file(file: BinaryIO) -> Iterator[str]:
    with file:
        yield from _stream(file)


def _stream(stream: BinaryIO) -> Iterator[str]:
    """Split as `bytes.splitlines` would split the whole input: a piece that may continue in the
    next block (no `\n` yet: a `\r` may be half of a `\r\n`) is carried over."""
    number, carry = 0, b""
    while True:
        block = stream.read(BLOCK)
        pieces = (carry + block).splitlines(keepends=True)
        carry = pieces.pop() if block and pieces and not pieces[-1].endswith(b"\n") else b""
        for raw in pieces:
            number += 1
            yield _decoded(number, raw)
        if not block:
            return


def count_input_lines(path: str) -> int:
    """How many lines the file at `path` has, as `stream_input_lines` splits it (for a progress bar)."""
    count, last = 0, b""
    with open(path, "rb") as file:
        while block := file.read(BLOCK):
            count += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
            count -= last == b"\r" and block[:1] == b"\n"  # a \r\n split between two blocks
            last = block[-1:]
    return count + (last not in (b"", b"\n", b"\r"))
