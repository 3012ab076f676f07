"""Bytes into lines of text: universal newlines, a leading byte order mark dropped, and bytes that
are not UTF-8 named by their line and column (`LineDecodeError`)."""

from __future__ import annotations

import sys
from pathlib import Path

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
    lines: list[str] = []
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        body = raw.rstrip(b"\r\n")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            column = len(body[: error.start].decode("utf-8", errors="replace")) + 1
            bad = body[error.start : error.end].hex(" ")
            raise LineDecodeError(number, column, error.start + 1, f"{error.reason}, byte(s) {bad}") from None
        if number == 1 and text.startswith(_UTF8_BOM):
            text = text[1:]
        lines.append(text + "\n" if len(body) != len(raw) else text)
    return lines


def read_input_lines(path: str) -> list[str]:
    """The lines of the file at `path`, or of standard input's bytes for `-` (see `decode_lines`).
    Raise `LineDecodeError` for bytes that are not UTF-8, `OSError` for a file that cannot be read."""
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        data = stream.read() if stream is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
    else:
        data = Path(path).read_bytes()
    return decode_lines(data)
