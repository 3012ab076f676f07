"""What a form post must be before any view reads it: UTF-8 text, each field sent once.

Werkzeug decodes a form leniently (a bad percent-escape is kept as text, a bad byte in a multipart
part becomes U+FFFD), and WTForms silently takes the first of a field sent twice: either way the
ledger would record something the user never typed. Such a post is refused with a 400 page that
says why, and nothing is appended. The JSON API reads its bodies strictly by itself.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import abort, request
from flask_babel import gettext as _

URLENCODED = "application/x-www-form-urlencoded"


def check_form_post() -> None:
    if request.method != "POST" or request.path.startswith("/api/"):
        return
    length = request.content_length
    limit = request.max_content_length
    if length is not None and limit is not None and length > limit:
        return  # Werkzeug refuses it with 413 when it is read
    if request.mimetype == URLENCODED:
        raw = request.get_data(cache=True)  # kept: the form is parsed from these same bytes
        for pair in raw.split(b"&"):
            for piece in pair.split(b"=", 1):
                try:
                    unquote_to_bytes(piece.replace(b"+", b" ")).decode("utf-8")
                except UnicodeDecodeError:
                    abort(400, description=_("The form holds bytes that are not UTF-8 text; nothing was recorded."))
    values = [v for _k, v in request.form.items(multi=True)]
    if request.mimetype == "multipart/form-data" and any("\ufffd" in v for v in values):
        abort(400, description=_("The form holds bytes that are not UTF-8 text; nothing was recorded."))
    repeated = sorted({k for k in request.form if len(request.form.getlist(k)) > 1})
    if repeated:
        abort(400, description=_("The field %(field)s was sent more than once; nothing was recorded.",
                                 field=", ".join(repeated)))
