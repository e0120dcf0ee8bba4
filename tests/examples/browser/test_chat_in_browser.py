"""The chat example in a real browser: two pages talk over the websocket."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from examples.chat import app as chat
from playwright.sync_api import expect
from playwright.sync_api import Page

from quart import Quart

# The room spans workers (quart.channels), so the page shows no online count.
CONNECTED = "Connected."


@pytest.fixture
def app() -> Quart:
    return chat.app


def join(open_page: Callable[[], Page]) -> Page:
    page = open_page()
    page.goto("/")
    expect(page).to_have_title("Quart chat")
    expect(page.locator("#status")).to_have_text(CONNECTED)
    return page


def say(page: Page, text: str) -> None:
    page.get_by_placeholder("Say something").fill(text)
    page.get_by_role("button", name="Send").click()


def test_two_pages_exchange_messages(open_page: Callable[[], Page]) -> None:
    alice, bob = join(open_page), join(open_page)

    say(alice, "Hello from Alice")
    say(bob, "Hi <Alice> & all")
    for page in (alice, bob):
        expect(page.locator("#messages li")).to_have_text(["Hello from Alice", "Hi <Alice> & all"])
    expect(alice.get_by_placeholder("Say something")).to_have_value("")

    # Bob reloads: a new websocket (the old one leaves the room).
    bob.reload()
    expect(bob.locator("#status")).to_have_text(CONNECTED)
    expect(bob.locator("#messages li")).to_have_count(0)  # history is not kept
    say(bob, "Back again")
    say(alice, "Welcome back")
    expect(bob.locator("#messages li")).to_have_text(["Back again", "Welcome back"])
    expect(alice.locator("#messages li")).to_have_text(
        ["Hello from Alice", "Hi <Alice> & all", "Back again", "Welcome back"]
    )
    # A newcomer hears what is said from then on, from either page.
    carol = join(open_page)
    say(alice, "Hello Carol")
    expect(carol.locator("#messages li")).to_have_text(["Hello Carol"])
    expect(bob.locator("#messages li")).to_have_text(["Back again", "Welcome back", "Hello Carol"])
