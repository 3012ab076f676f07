"""Case references in URLs. A reference is any text the opener chose, slashes included
(`123/QĐ-UBND`, even `/A` or `A/../B`), so in a link each `/` is written `%2F` (a browser then
neither merges nor resolves the segments) and the view reads the reference back from the raw
request URI, where `%2F` is still distinguishable from a separating `/`: `…/cases/A%2Fhistory`
is the case `A/history`, `…/cases/A/history` the history of `A`. Without a raw URI (a server that
gives none) the decoded path is used, as Werkzeug routed it."""

from __future__ import annotations

from urllib.parse import quote, unquote

from flask import request
from werkzeug.routing import PathConverter


class ReferenceConverter(PathConverter):
    regex = ".+?"  # anything, a leading slash included
    part_isolating = False  # it spans segments (Werkzeug would infer True from a regex without "/")

    def to_url(self, value: str) -> str:
        return quote(value, safe="")


def raw_reference(prefix: str, suffix: str = "") -> tuple[str, bool] | None:
    """(the reference, whether the raw path ends with `suffix` as a separate segment) read from
    the raw URI after `prefix`; None when the server gives no raw URI or it does not match."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:
        return None
    path = raw.split("?", 1)[0]
    start = request.script_root + prefix
    if not path.startswith(start):
        return None
    tail = path[len(start):]
    if suffix and tail.endswith(suffix):
        return unquote(tail[: -len(suffix)]), True
    return unquote(tail), False
