"""Security headers (web/security.py, Flask-Talisman) on every response, and pages that need no inline code.

- Every GET route of the application's url_map (walked through the access matrix's own table, so a
  new route is covered by itself), for nobody logged in, an admin and an official, answers with a
  Content-Security-Policy without `'unsafe-inline'`/`'unsafe-eval'` (scripts and styles from this
  site only, no framing), `X-Frame-Options: DENY`, `nosniff` and a referrer policy; whatever the
  answer is (a page, a redirect to the login page, a 403, a file, JSON).
- Error answers carry them too (404, 405, the CSRF 400, 413, a 500, a 429).
- HSTS only over https; plain http is served as it is (no redirect), and cookies keep their settings.
- No template holds an inline `<script>`, `<style>`, `style=` attribute, `on…=` handler or
  `javascript:` address, and no rendered page does either.
- The dashboard's SVG charts (shown with `<img src>`) carry a policy of their own that allows
  exactly their own styles, by hash, and nothing else.
- In Chromium, no page (nor a chart opened by itself) reports a single CSP violation.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for

from ledger import Ledger
from tests.web.conftest import PASSWORD, USERS, log_in
from tests.web.test_authorization import EXPECTATIONS, SPARE_LOGIN, routes
from web.security import REFERRER_POLICY, inline_styles, svg_policy

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"


def policy(header: str) -> dict[str, list[str]]:
    """A CSP header as {directive: [sources]}."""
    found: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            assert words[0] not in found, f"directive {words[0]} given twice in {header!r}"
            found[words[0]] = words[1:]
    return found


def header_problems(response: Any, *, page: bool = True) -> list[str]:
    """What is wrong with a plain-http response's security headers ([] if nothing)."""
    headers = response.headers
    wrong = []
    csp = headers.get("Content-Security-Policy")
    if not csp:
        return ["no Content-Security-Policy"]
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        wrong.append(f"CSP allows inline code: {csp}")
    directives = policy(csp)
    if directives.get("frame-ancestors") != ["'none'"]:
        wrong.append(f"frame-ancestors is not 'none': {csp}")
    if page:
        for name in ("script-src", "style-src", "default-src"):
            if directives.get(name) != ["'self'"]:
                wrong.append(f"{name} is not exactly 'self': {csp}")
        if directives.get("object-src") != ["'none'"] or directives.get("base-uri") != ["'none'"]:
            wrong.append(f"object-src/base-uri not 'none': {csp}")
    if headers.get("X-Frame-Options") != "DENY":
        wrong.append(f"X-Frame-Options {headers.get('X-Frame-Options')!r}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        wrong.append(f"X-Content-Type-Options {headers.get('X-Content-Type-Options')!r}")
    if headers.get("Referrer-Policy") != REFERRER_POLICY:
        wrong.append(f"Referrer-Policy {headers.get('Referrer-Policy')!r}")
    if "Strict-Transport-Security" in headers:
        wrong.append("HSTS sent over plain http")
    return wrong


class InlineCode(HTMLParser):
    """Collects inline scripts, style elements and attributes, event handlers and javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower(): value or "" for name, value in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in names.items():
            if name == "style":
                self.found.append(f"<{tag} style={value!r}>")
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def get_urls(app: Flask, token_id: str) -> list[str]:
    """One URL for each GET route of the url_map, with the matrix's arguments (its case, its chart…)."""
    urls = []
    for rule in routes(app):
        if "GET" not in (rule.methods or ()):
            continue
        expectation = EXPECTATIONS[rule.endpoint]
        args: dict[str, Any] = {k: (token_id if v == "<token>" else v) for k, v in (expectation.args or {}).items()}
        with app.test_request_context():
            urls.append(url_for(rule.endpoint, **args))
    return urls


@pytest.mark.parametrize("audience", ["anonymous", "admin", "inspector", "clerk"])
def test_every_get_route_carries_the_security_headers_and_no_inline_code(
        audience: str, app: Flask, web_ledger: Ledger, opened_case: str) -> None:
    web_ledger.accounts.add_login(SPARE_LOGIN, "sxd.ttb", PASSWORD, "official")
    token, _secret = web_ledger.accounts.create_token("sxd.nva", "official")
    client = app.test_client() if audience == "anonymous" else log_in(app.test_client(), audience)
    urls = get_urls(app, token.token_id)
    assert len(urls) >= 20  # the matrix's GET routes, not an empty walk
    wrong, statuses = [], set()
    for url in urls:
        response = client.get(url)
        statuses.add(response.status_code)
        svg = response.mimetype == "image/svg+xml"
        wrong += [f"GET {url} ({response.status_code}): {p}" for p in header_problems(response, page=not svg)]
        if response.mimetype == "text/html":
            wrong += [f"GET {url}: inline code {found}" for found in inline_code(response.get_data(as_text=True))]
    assert wrong == [], f"as {audience}:\n" + "\n".join(wrong)
    assert 200 in statuses


def test_the_pages_policy_is_exactly_the_strict_one(app: Flask) -> None:
    csp = policy(app.test_client().get("/login").headers["Content-Security-Policy"])
    assert csp == {
        "default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'"], "img-src": ["'self'"],
        "font-src": ["'self'"], "connect-src": ["'self'"], "object-src": ["'none'"], "base-uri": ["'none'"],
        "form-action": ["'self'"], "frame-ancestors": ["'none'"],
    }


def test_error_answers_carry_the_headers_too(app: Flask, csrf_app: Flask, web_ledger: Ledger) -> None:
    def boom() -> str:
        raise RuntimeError("an unexpected failure")

    app.add_url_rule("/test-boom", "test_boom", boom)
    client = app.test_client()
    answers = {
        "404": client.get("/no-such-page"),
        "405": client.put("/login"),
        "413": client.post("/login", data={"login": "x" * (2 * 1024 * 1024), "password": "p"}),
        "500": client.get("/test-boom"),
        "401 (API)": client.get("/api/v1/violations"),
        "400 (CSRF)": csrf_app.test_client().post("/login", data={"login": "clerk", "password": "wrong"}),
    }
    assert {name: r.status_code for name, r in answers.items()} == {
        "404": 404, "405": 405, "413": 413, "500": 500, "401 (API)": 401, "400 (CSRF)": 400}
    for name, response in answers.items():
        assert header_problems(response) == [], name


def test_a_rate_limited_login_carries_the_headers(app: Flask) -> None:
    client = app.test_client()
    statuses = [client.post("/login", data={"login": "clerk", "password": "wrong password"}).status_code
                for _ in range(11)]
    assert statuses[-1] == 429
    assert header_problems(client.post("/login", data={"login": "clerk", "password": "x"})) == []


def test_plain_http_is_served_as_is_and_https_gets_hsts(app: Flask) -> None:
    client = app.test_client()
    plain = client.get("/login")
    assert plain.status_code == 200  # not redirected to https: force_https is off
    assert "Strict-Transport-Security" not in plain.headers

    secure = client.get("/login", base_url="https://ledger.example")
    hsts = secure.headers.get("Strict-Transport-Security", "")
    assert secure.status_code == 200
    max_age = re.search(r"max-age=(\d+)", hsts)
    assert max_age and int(max_age.group(1)) >= 365 * 24 * 3600, hsts

    proxied = client.get("/login", headers={"X-Forwarded-Proto": "https"})  # TLS ended at the proxy
    assert "max-age=" in proxied.headers.get("Strict-Transport-Security", "")


def test_cookies_keep_the_applications_own_settings(app: Flask, web_ledger: Ledger) -> None:
    """Talisman would force `Secure` on the session cookie; LEDGER_COOKIE_SECURE decides instead."""
    plain = app.test_client().post("/login", data={"login": USERS["clerk"][0], "password": PASSWORD})
    assert plain.status_code == 302
    cookie = plain.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie

    from web import create_app

    default = create_app({"LEDGER": web_ledger, "SECRET_KEY": "k", "WTF_CSRF_ENABLED": False})
    secure = default.test_client().post("/login", data={"login": USERS["clerk"][0], "password": PASSWORD})
    assert "Secure" in secure.headers["Set-Cookie"]


def test_the_referrer_policy_keeps_same_origin_referers_for_csrf_over_https() -> None:
    """Flask-WTF refuses a form post over https without a same-site Referer (WTF_CSRF_SSL_STRICT):
    `no-referrer` or `same-origin`-less policies would refuse every form in production."""
    assert REFERRER_POLICY in ("strict-origin-when-cross-origin", "same-origin", "strict-origin")
    assert REFERRER_POLICY == "strict-origin-when-cross-origin"


def test_a_form_posts_over_https_with_csrf_and_the_referer_the_policy_keeps(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    page = client.get("/login", base_url="https://ledger.example")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert token
    response = client.post("/login", base_url="https://ledger.example",
                           headers={"Referer": "https://ledger.example/login"},
                           data={"csrf_token": token.group(1), "login": USERS["clerk"][0], "password": PASSWORD})
    assert response.status_code == 302
    assert "Strict-Transport-Security" in response.headers


def test_static_scripts_and_styles_have_their_types_so_nosniff_keeps_them(app: Flask) -> None:
    client = app.test_client()
    for path, kind in (("/static/replay.js", "text/javascript"), ("/static/style.css", "text/css")):
        with client.get(path) as response:
            assert (response.status_code, response.mimetype) == (200, kind)
            assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- the templates -----------------------------------------------------------------------------------

INLINE_IN_TEMPLATE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "style= attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "on…= handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: address": re.compile(r"javascript:", re.IGNORECASE),
}


def test_no_template_holds_inline_script_style_or_event_handlers() -> None:
    templates = sorted(TEMPLATES.glob("*.html"))
    assert len(templates) >= 15
    found = [f"{path.name}:{text[:m.start()].count(chr(10)) + 1}: {what}: {m.group(0)!r}"
             for path in templates for text in [path.read_text(encoding="utf-8")]
             for what, pattern in INLINE_IN_TEMPLATE.items() for m in pattern.finditer(text)]
    assert found == []


def test_the_template_check_finds_what_it_looks_for() -> None:
    samples = ['<script>alert(1)</script>', '<style>p{}</style>', '<p style="color:red">', '<a onclick="x()">',
               '<a href="javascript:x()">']
    for sample, (what, pattern) in zip(samples, INLINE_IN_TEMPLATE.items(), strict=True):
        assert pattern.search(sample), what
    assert not any(p.search('<script src="/static/replay.js" defer></script>') for p in INLINE_IN_TEMPLATE.values())
    assert len(inline_code("".join(samples))) == 5


# --- the charts ----------------------------------------------------------------------------------------


def test_a_chart_allows_exactly_its_own_styles_by_hash_and_nothing_else(as_user: Any) -> None:
    client = as_user("oversight")
    dashboard = client.get("/oversight/").get_data(as_text=True)
    assert '<img src="/oversight/charts/' in dashboard and "<svg" not in dashboard  # images, not inline SVG
    response = client.get("/oversight/charts/by_rule.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    body = response.get_data()
    csp = response.headers["Content-Security-Policy"]
    assert csp == svg_policy(body)
    directives = policy(csp)
    assert directives["default-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert "script-src" not in directives and "'self'" not in csp and "unsafe-inline" not in csp
    styles = inline_styles(body)
    assert len(styles) > 3 and any("fill" in s for s in styles)  # matplotlib's style attributes were found
    assert directives["style-src"][0] == "'unsafe-hashes'"
    assert len(directives["style-src"]) == 1 + len(set(styles))
    assert header_problems(response, page=False) == []

    again = client.get("/oversight/charts/by_rule.svg", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Content-Security-Policy"] == csp  # the revalidated image keeps its policy


def test_an_svg_with_no_styles_gets_no_style_source() -> None:
    assert "style-src 'none'" in svg_policy(b'<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0"/></svg>')
    assert "style-src 'none'" in svg_policy(b"not xml")


# --- in a real browser ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "inspector"])
def test_chromium_reports_no_csp_violation_on_any_page_nor_on_a_chart_opened_by_itself(
        who: str, app: Flask, dev_server: int, opened_case: str, web_ledger: Ledger, chromium: Any) -> None:
    base = f"http://127.0.0.1:{dev_server}"
    token, _secret = web_ledger.accounts.create_token("sxd.nva", "official")
    context = chromium.new_context()
    violations: list[str] = []
    context.add_init_script("document.addEventListener('securitypolicyviolation', e =>"
                            " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));")
    page = context.new_page()
    page.on("console", lambda m: violations.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text or "CSP violation" in m.text else None)
    page.goto(f"{base}/login")
    page.fill("input[name=login]", USERS[who][0])
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form.narrow button[type=submit]")
    visited = 0
    try:
        for url in get_urls(app, token.token_id):
            if url.endswith((".pdf", ".json", ".xlsx", ".csv")) or url.startswith("/api") or url == "/healthz":
                continue  # files and JSON: no document to style
            page.goto(base + url)
            page.wait_for_load_state("load")
            visited += 1
        if who == "admin":
            page.goto(f"{base}/oversight/charts/trend.svg")  # a chart opened by itself: its own policy
            page.wait_for_load_state("load")
            visited += 1
            drawn = page.evaluate("() => [...document.querySelectorAll('path')].filter(p =>"
                                  " getComputedStyle(p).fill === 'rgb(255, 255, 255)').length")
            assert drawn > 0  # the white background's style="fill: #ffffff" applied
    finally:
        context.close()
    assert visited >= 10
    assert violations == []
