"""`ledger import` reads its file as it goes (`stream_input_lines`, a block at a time): the lines,
their numbers and the refusal of bytes that are not UTF-8 are exactly those of reading the whole
file (`decode_lines`), wherever the blocks happen to split it; `count_input_lines` counts them
for the progress bar."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.interchange import LineDecodeError, count_input_lines, decode_lines, stream_input_lines
from ledger.interchange import text

PIECES = st.sampled_from([b"a", b"{}", b"\n", b"\r", b"\r\n", b"\xc3\xa9", b"\xef\xbb\xbf", b"\xff"])


def whole(data: bytes) -> list[str] | str:
    try:
        return decode_lines(data)
    except LineDecodeError as error:
        return str(error)


def streamed(data: bytes) -> list[str] | str:
    try:
        return list(text._stream(io.BytesIO(data)))
    except LineDecodeError as error:
        return str(error)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(PIECES, max_size=40).map(b"".join), st.integers(min_value=1, max_value=9))
def test_streamed_lines_are_the_whole_files_lines_wherever_the_blocks_split_it(data: bytes, block: int) -> None:
    original = text.BLOCK
    text.BLOCK = block
    try:
        assert streamed(data) == whole(data)
    finally:
        text.BLOCK = original


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(PIECES.filter(lambda p: p != b"\xff"), max_size=40).map(b"".join))
def test_the_progress_bars_count_is_the_number_of_lines(tmp_path_factory: pytest.TempPathFactory, data: bytes):
    path = tmp_path_factory.mktemp("count") / "f.jsonl"
    path.write_bytes(data)
    assert count_input_lines(str(path)) == len(decode_lines(data))


def test_a_file_that_cannot_be_opened_fails_at_once(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        stream_input_lines(str(tmp_path / "missing.jsonl"))
