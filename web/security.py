"""Security headers on every response (Flask-Talisman), installed by the factory (`web/app.py`).

- **Pages**: a Content-Security-Policy with no `'unsafe-inline'` and no `'unsafe-eval'`: scripts,
  styles, images and fonts from this site only (`web/static/`; the templates hold no inline
  `<script>`, `<style>`, `style=` or `on…=` handler, which a test holds them to), no plugins, no
  `<base>`, forms posted only here, and no framing (`frame-ancestors 'none'` and `X-Frame-Options:
  DENY`). Also `X-Content-Type-Options: nosniff`, `Referrer-Policy: strict-origin-when-cross-origin`
  and a Permissions-Policy that turns off what no page uses.
- **Referrer policy.** Not `no-referrer`: over https Flask-WTF checks that a form post's `Referer`
  is this site (`WTF_CSRF_SSL_STRICT`), so a policy that drops it would refuse every form. Same-origin
  requests carry the full address; another site is told the origin at most (and no page links to one).
- **HSTS only over https**: Talisman sends `Strict-Transport-Security` only when the request came
  over https (`request.is_secure`, or `X-Forwarded-Proto: https` from the TLS proxy); over plain
  http (development on 127.0.0.1, the tests) none is sent, and nothing is redirected to https
  (`force_https` is off: the TLS proxy in front of gunicorn does that). A header sent over plain
  http is ignored by browsers (RFC 6797 §8.1), so a forged `X-Forwarded-Proto` gains nothing.
- **Cookies** stay as `web/config.py` sets them (`LEDGER_COOKIE_SECURE`): Talisman is told not to
  force `Secure` itself, which would break plain-http development.
- **The dashboard's charts** are SVG images drawn by matplotlib (`web/charts.py`), served from
  their own route and shown with `<img src>`, so the page's policy needs nothing for them. An SVG
  styles itself with a `<style>` element and `style="…"` attributes; a browser ignores an image's
  own policy when it draws it in an `<img>`, but applies it when the chart is opened by itself.
  Such a response gets a policy of its own: nothing may load or run (`default-src 'none'`), and the
  only styles allowed are exactly the ones in that image, by their SHA-256 (`'unsafe-hashes'` lets
  hashes cover `style=` attributes; it allows those exact values and nothing else, unlike
  `'unsafe-inline'`).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from xml.etree import ElementTree

from flask import Flask, Response
from flask_talisman import Talisman

#: The pages' Content-Security-Policy.
PAGE_POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

#: Browser features no page uses.
PERMISSIONS_POLICY: dict[str, str] = {
    "browsing-topics": "()",
    "camera": "()",
    "geolocation": "()",
    "microphone": "()",
    "payment": "()",
    "usb": "()",
}

REFERRER_POLICY = "strict-origin-when-cross-origin"
SVG = "image/svg+xml"
_SVG_NS = "{http://www.w3.org/2000/svg}"


def init_app(app: Flask) -> Talisman:
    """Install the headers on `app`: one Talisman per application (it keeps the app it serves)."""
    # Registered before Talisman's own hook: Flask runs `after_request` functions in reverse order,
    # so this one runs after Talisman's and its policy for an SVG image is the one sent.
    app.after_request(_image_policy)
    talisman = Talisman(
        app,
        force_https=False,
        frame_options="DENY",
        content_security_policy=PAGE_POLICY,
        referrer_policy=REFERRER_POLICY,
        permissions_policy=PERMISSIONS_POLICY,
        strict_transport_security=True,
        session_cookie_secure=False,  # web/config.py decides (LEDGER_COOKIE_SECURE)
        session_cookie_http_only=bool(app.config.get("SESSION_COOKIE_HTTPONLY", True)),
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        x_content_type_options=True,
    )
    app.extensions["talisman"] = talisman
    return talisman


def _image_policy(response: Response) -> Response:
    if response.mimetype == SVG and not response.direct_passthrough and not response.is_streamed:
        # A 304 keeps its body here (Werkzeug drops it only when sending), so a revalidated chart
        # gets the same policy as the first answer and the browser's stored one is not replaced.
        response.headers["Content-Security-Policy"] = svg_policy(response.get_data())
    return response


def svg_policy(svg: bytes) -> str:
    """The policy of one SVG image: nothing loads or runs; exactly its own styles apply."""
    hashes = " ".join(f"'sha256-{digest}'" for digest in sorted({_sha256(text) for text in inline_styles(svg)}))
    styles = f"'unsafe-hashes' {hashes}" if hashes else "'none'"
    return f"default-src 'none'; style-src {styles}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


def inline_styles(svg: bytes) -> list[str]:
    """The text of each `<style>` element and each `style` attribute, as a browser reads them (XML
    attribute values normalised by the parser): what the browser hashes to check them."""
    try:
        root = ElementTree.fromstring(svg)
    except ElementTree.ParseError:
        return []  # nothing that parses is styled by anything
    found: list[str] = []
    for element in root.iter():
        if element.tag in (f"{_SVG_NS}style", "style"):
            found.append("".join(element.itertext()))
        style: Any = element.get("style")
        if style is not None:
            found.append(style)
    return found


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
