"""JSON Lines in and out (SPEC §8).

Reading yields each non-blank line's number and object, or the reason it is not a JSON object;
writing turns an `EventRecord` back into a line in the §8 field names, plus the ledger's own
`recorded`, `position`, `source` and `event`.

One clash in the SPEC is settled here: `ConsultationAnswered` has a field of its own named
`position` (agree, disagree, …), which the export's log `position` must not overwrite. Every
export line therefore also carries the log position as `log_position`; on a
`ConsultationAnswered` line `position` stays the answer's position and only `log_position`
gives the place in the log. Readers that want the log position use `log_position` everywhere.

Hostile input. A line is refused, with its number and a reason, rather than crash the import or
break the store, when it

* is longer than `MAX_LINE_BYTES` (1 MiB, counted in UTF-8);
* is not JSON: `NaN`, `Infinity` and `-Infinity` included (Python's `json` reads them; JSON has
  no such numbers), and numbers that overflow to infinity;
* has a number of more than `MAX_NUMBER_DIGITS` (20) digits (Python refuses to read integers of
  more than 4300 digits with a `ValueError`, and no field needs more than a few);
* nests objects and arrays deeper than `MAX_DEPTH` (32) levels, the line's own object counting
  as level 1 (without a bound, 100,000 levels end in a `RecursionError`);
* repeats a key in one object (`{"title": "a", "title": "b"}` means two things; JSON leaves the
  choice to the reader, an audit ledger does not choose);
* holds, in any key or string value, a lone surrogate (U+D800–U+DFFF, which cannot be stored as
  UTF-8) or NUL (which PostgreSQL's text columns cannot hold), in fields the ledger keeps or not,
  so a file gets the same answer on SQLite and on PostgreSQL.

The other control characters are the business of `ledger.domain.schema`: none in identifiers,
only tab and newlines in free text.

Bytes become lines with `decode_lines` (or `read_input_lines` for a path or `-`), which names
the first line and column that is not UTF-8 instead of a byte offset.

The package's modules: `text` (bytes into lines of text), `strict` (the strict JSON reader),
`lines` (JSON Lines read and written).
"""

from .lines import Line, dumps, read_lines, to_line
from .strict import MAX_EXPONENT_DIGITS, MAX_LINE_BYTES, parse_document, parse_line, refused_element
from .text import LineDecodeError, count_input_lines, decode_lines, read_input_lines, stream_input_lines

__all__ = [
    "MAX_EXPONENT_DIGITS",
    "MAX_LINE_BYTES",
    "Line",
    "LineDecodeError",
    "decode_lines",
    "dumps",
    "parse_document",
    "parse_line",
    "read_input_lines",
    "stream_input_lines",
    "count_input_lines",
    "read_lines",
    "refused_element",
    "to_line",
]
