"""A real browser for the examples: headless Chromium driven by Playwright.

Playwright drives Debian's Chromium (``/usr/bin/chromium``, or ``$CHROMIUM``);
it never downloads a browser of its own. Each test gets the example served by
the quart plugin's ``live_server`` and opens pages with ``open_page()``.

The browser only reaches 127.0.0.1: every other request is aborted (or, for
the few files a page loads from a CDN, answered from a local copy) before it
leaves the machine.

When a test fails, a screenshot of each of its pages is saved under
``test-artifacts/`` (git-ignored) and the paths are printed in the report.
Without Chromium the tests are skipped, except under CI (``CI`` set), where
they fail: CI must never pass without having run them.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from collections.abc import Generator
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from system_packages import unavailable

#: Where screenshots of failed tests go.
ARTIFACTS = Path(__file__).parents[3] / "test-artifacts"
#: Milliseconds any single browser wait may take.
WAIT_MS = 10_000

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    # Names never resolve, so nothing but 127.0.0.1 is reachable.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

OpenPage = Callable[[], Any]  # returns a playwright.sync_api.Page

_PAGES = pytest.StashKey[list[Any]]()


def _chromium() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        reason = f"no Chromium at {path} (apt-get install chromium, or set CHROMIUM)"
        unavailable("the browser tests", reason)
    return path


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One headless Chromium for these tests (a fresh context per page).

    Package-scoped, not session-scoped: Playwright's sync API keeps an event
    loop marked as running in the main thread while it is started, which
    would break every async test that runs after these.
    """
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _local_only(route: Any) -> None:
    host = urlsplit(route.request.url).hostname
    if host == "127.0.0.1":
        route.fallback()
    else:
        route.abort()


@pytest.fixture
def open_page(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[OpenPage]:
    """``open_page()``: a new page, in a context of its own (its own cookies),
    whose relative URLs go to the live server."""
    contexts: list[Any] = []
    pages = request.node.stash.setdefault(_PAGES, [])

    def open_page() -> Any:
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(WAIT_MS)
        context.route("**/*", _local_only)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None]:
    """Screenshot each page of a failed test, before its fixtures close them."""
    report: pytest.TestReport = yield
    pages = item.stash.get(_PAGES, [])
    if report.failed and pages:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", item.nodeid.split("::", 1)[-1])
        saved = []
        for number, page in enumerate(pages, 1):
            path = ARTIFACTS / f"{name}-{report.when}-page{number}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
            except Exception as error:  # a closed or crashed page: say so
                saved.append(f"{path}: not saved ({error!r})")
            else:
                saved.append(str(path))
        report.sections.append(("browser screenshots", "\n".join(saved)))
    return report
