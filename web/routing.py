"""Case references in URLs. A reference is any text the opener chose, slashes included
(`123/QĐ-UBND`, even `/A` or `A/../B`), so in a link each `/` is written `%2F` (a browser then
neither merges nor resolves the segments), and the `ref` converter takes the whole rest of the
decoded path, a leading slash included. Only the API's `…/cases/{case}/history` is ambiguous once
decoded: the raw request URI says whether `/history` was a real segment (`…/cases/A/history`, the
history of `A`) or part of the reference (`…/cases/A%2Fhistory`, the case `A/history`)."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from flask import request
from werkzeug.routing import PathConverter


UNRESERVED_ESCAPE = re.compile(r"%(2[Dd]|2[Ee]|3[0-9]|4[1-9A-Fa-f]|5[0-9Aa]|5[Ff]|6[1-9A-Fa-f]|7[0-9Aa]|7[Ee])")


class ReferenceConverter(PathConverter):
    regex = ".+?"  # anything, a leading slash included
    part_isolating = False  # it spans segments (Werkzeug would infer True from a regex without "/")

    def to_url(self, value: str) -> str:
        return quote(value, safe="")


def raw_reference(prefix: str, suffix: str) -> tuple[str, bool] | None:
    """(the reference, whether the raw path ends with `suffix` as a segment of its own) after
    `prefix`. The text comes from the decoded path (the server decoded it, whatever its bytes);
    the raw URI only says whether `suffix` was written with a real "/" or an escaped one. None
    when the path does not start with `prefix`."""
    path = request.path
    if not path.startswith(prefix):
        return None
    tail = path[len(prefix):]
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        raw_path = urlsplit(raw).path if "://" in raw.split("?", 1)[0] else raw.split("?", 1)[0]  # absolute form too
        # RFC 3986 §6.2.2.2: an escaped unreserved character is that character ("hist%6Fry"); %2F stays.
        separate = UNRESERVED_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), raw_path).endswith(suffix)
    else:
        separate = tail.endswith(suffix)
    if separate and tail.endswith(suffix):
        return tail[: -len(suffix)], True
    return tail, False
