"""The request body limit, whatever the framing.

Werkzeug refuses a body whose Content-Length is over `MAX_CONTENT_LENGTH` (413) before reading it,
but a chunked body (no Content-Length; gunicorn sets `wsgi.input_terminated`) is silently cut at
the limit: a form or an event could be appended truncated. This middleware reads such a body up to
one byte past the limit: over it, a 413 and nothing reaches the application; within it, the
application sees the body with its length, as if it had been sent with one.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class BodyLimit:
    def __init__(self, app: WSGIApp, limit: int, wider: dict[str, int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.wider = wider or {}  # path → a larger limit (the one form that takes a file)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        limit = self.wider.get(str(environ.get("PATH_INFO", "")), self.limit)
        # A terminated input is read to its end whatever Content-Length it claims (chunked framing
        # decides where it ends, and Werkzeug then ignores the header).
        if environ.get("wsgi.input_terminated"):
            try:
                body = environ["wsgi.input"].read(limit + 1)
            except (OSError, ValueError):  # a malformed chunked framing (the server's reader says so)
                return self._refuse(environ, start_response, "400 Bad Request", "the request body's framing is"
                                    " malformed (chunked encoding)")
            if len(body) > limit:
                # Over the limit: the application refuses it (413) as it refuses a long Content-Length,
                # with its own page in the user's language; the rest of the body is never read.
                body = b""
                environ["CONTENT_LENGTH"] = str(limit + 1)
                environ["wsgi.input"] = io.BytesIO(body)
                environ.pop("wsgi.input_terminated", None)
                environ.pop("HTTP_TRANSFER_ENCODING", None)
                return self.app(environ, start_response)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("wsgi.input_terminated", None)
            environ.pop("HTTP_TRANSFER_ENCODING", None)  # now framed by its length, as if sent so
        return self.app(environ, start_response)

    @staticmethod
    def _refuse(environ: dict[str, Any], start_response: Callable[..., Any], status: str,
                message: str) -> Iterable[bytes]:
        if str(environ.get("PATH_INFO", "")).startswith("/api/"):
            body, kind = json.dumps({"error": message}).encode(), "application/json"
        else:
            body, kind = message.encode(), "text/plain; charset=utf-8"
        start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
        return [body]
