"""Take README's screenshot of the chat example (docs/chat.png) in headless Chromium.

Run it with ``.venv/bin/python tools/chat_screenshot.py``: two browser pages
join the chat served by the pytest plugin's ``LiveServer`` and exchange a few
messages, then one page is captured.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import expect
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from examples.chat.app import app  # noqa: E402

from quart.testing.pytest_plugin import LiveServer  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def main(out: Path = ROOT / "docs" / "chat.png") -> None:
    """Serve the chat, exchange two messages between two pages, save ``out``."""
    with LiveServer(app) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        pages = []
        for _ in range(2):
            page = browser.new_page(viewport={"width": 480, "height": 220}, base_url=server.url)
            page.goto("/")
            expect(page.locator("#status")).to_contain_text("Connected")
            pages.append(page)
        alice, bob = pages
        for page, text in [(alice, "Hello from the first tab"), (bob, "Hi! Over a websocket.")]:
            page.get_by_placeholder("Say something").fill(text)
            page.get_by_role("button", name="Send").click()
        expect(bob.locator("#messages li")).to_have_count(2)
        bob.get_by_placeholder("Say something").fill("Typing…")
        bob.screenshot(path=str(out))
        browser.close()
    print(out)


if __name__ == "__main__":
    main()
