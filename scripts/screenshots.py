#!/usr/bin/env python3
"""Remake the README's screenshots: each audience's main page, in a real browser.

Fills a fresh demo ledger in a temporary folder (the same generator as `ledger demo`), serves the
web application on 127.0.0.1, logs in through the login form as each audience in Debian's
Chromium (driven by Playwright; never a downloaded browser) and saves one PNG per page in
docs/screenshots/. Every request off the machine is refused, as in the end-to-end tests.

    .venv/bin/python scripts/screenshots.py [--cases 400] [--seed 1] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import quote, urlsplit

from werkzeug.serving import make_server

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ledger import Ledger  # noqa: E402
from ledger.demo import generate  # noqa: E402
from web import create_app  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-quic"]
VIEWPORT = {"width": 1360, "height": 940}

#: (file, login, official, product role, what the page is)
AUDIENCES = (
    ("agency-inbox.png", "clerk", "sxd.clerk", "official", "an agency clerk's inbox"),
    ("inspector-case.png", "inspector", "tttp.insp1", "official", "an inspector replaying a case"),
    ("oversight-dashboard.png", "oversight", "vp.head", "oversight", "the oversight dashboard"),
)


def busiest_case(ledger: Ledger) -> tuple[str, int]:
    """The case with the most kinds of violation, and the step at which its last one appeared."""
    by_case: dict[str, set[str]] = {}
    for violation in ledger.violations():
        if violation.case:
            by_case.setdefault(violation.case, set()).add(violation.rule)
    case = max(sorted(by_case), key=lambda ref: len(by_case[ref]))
    return case, len(ledger.history(case)["events"]) - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        ledger = Ledger(str(Path(folder) / "demo.db"), key_file=Path(folder) / "ledger.key")
        generate(ledger, cases=options.cases, seed=options.seed)
        password = secrets.token_urlsafe(12)
        for _file, login, official, role, _what in AUDIENCES:
            ledger.accounts.add_login(login, official, password, role)
        case, step = busiest_case(ledger)
        pages = {
            "agency-inbox.png": "/inbox",
            "inspector-case.png": f"/inspect/cases/{quote(case, safe='')}?step={step}",
            "oversight-dashboard.png": "/oversight/",
        }
        app = create_app({"LEDGER": ledger, "SECRET_KEY": secrets.token_hex(16), "SESSION_COOKIE_SECURE": False,
                          "REMEMBER_COOKIE_SECURE": False})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        offsite: list[str] = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                for file, login, _official, _role, what in AUDIENCES:
                    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", viewport=VIEWPORT)

                    def guard(route: object) -> None:
                        url = route.request.url  # type: ignore[attr-defined]
                        if urlsplit(url).hostname in ("127.0.0.1", "localhost"):
                            route.continue_()  # type: ignore[attr-defined]
                        else:
                            offsite.append(url)
                            route.abort("blockedbyclient")  # type: ignore[attr-defined]

                    context.route("**/*", guard)
                    page = context.new_page()
                    page.goto(f"{base}/login")
                    page.fill("input[name=login]", login)
                    page.fill("input[name=password]", password)
                    with page.expect_navigation():
                        page.click("form.narrow button[type=submit]")
                    page.goto(base + pages[file])
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=str(options.out / file))
                    print(f"{options.out / file}: {what} ({pages[file]})")
                    context.close()
                browser.close()
        finally:
            server.shutdown()
            ledger.close()
    if offsite:
        sys.exit(f"the pages asked for something off the machine: {offsite}")


if __name__ == "__main__":
    main()
