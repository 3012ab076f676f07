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

from .config import FILE_FORMS

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


def check_form_post() -> None:
    if request.method != "POST" or request.path.startswith("/api/"):
        return
    takes_file = request.path in FILE_FORMS
    if takes_file:
        request.max_content_length = FILE_FORMS[request.path]
    length = request.content_length
    limit = request.max_content_length
    if length is not None and limit is not None and length > limit:
        return  # Werkzeug refuses it with 413 when it is read
    if request.mimetype not in (URLENCODED, MULTIPART) and (length or request.headers.get("Transfer-Encoding")):
        abort(415, description=_("A form is sent as an HTML form (urlencoded or multipart), not as %(kind)s;"
                                 " nothing was recorded.", kind=request.mimetype or "raw bytes"))
    if request.mimetype == URLENCODED:
        raw = request.get_data(cache=True)  # kept: the form is parsed from these same bytes
        for pair in raw.split(b"&"):
            for piece in pair.split(b"=", 1):
                try:
                    unquote_to_bytes(piece.replace(b"+", b" ")).decode("utf-8")
                except UnicodeDecodeError:
                    abort(400, description=_("The form holds bytes that are not UTF-8 text; nothing was recorded."))
    if request.files and not takes_file:  # read only now: reading it parses the form, and the raw bytes were needed first
        abort(400, description=_("No form here takes a file; nothing was recorded."))
    values = [v for _k, v in request.form.items(multi=True)]
    if request.mimetype == MULTIPART and any("\ufffd" in v for v in values):
        abort(400, description=_("The form holds bytes that are not UTF-8 text; nothing was recorded."))
    repeated = sorted({k for k in request.form if len(request.form.getlist(k)) > 1})
    if repeated:
        abort(400, description=_("The field %(field)s was sent more than once; nothing was recorded.",
                                 field=", ".join(repeated)))
