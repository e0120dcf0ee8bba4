"""The blog example in a real browser: log in, write a post, see it published."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from examples.blog.app import create_app
from playwright.sync_api import expect
from playwright.sync_api import Page
from werkzeug.security import generate_password_hash

from quart import Quart


@pytest.fixture
def app(tmp_path: Path) -> Quart:
    users = {"alice": generate_password_hash("wonderland", method="pbkdf2:sha256:1000")}
    config = {"SECRET_KEY": "test", "DATABASE": str(tmp_path / "blog.sqlite"), "USERS": users}
    return create_app(config)


def test_log_in_and_publish(open_page: Callable[[], Page]) -> None:
    page = open_page()
    page.goto("/")
    expect(page).to_have_title("Posts · Quart blog")
    expect(page.get_by_text("No posts yet.")).to_be_visible()

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("wonderland")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash.info")).to_have_text("Welcome back, alice!")
    expect(page.get_by_text("Logged in as alice")).to_be_visible()

    page.get_by_role("link", name="New post").click()
    page.get_by_label("Title").fill("Hello <browser>")
    page.get_by_label("Text").fill("Written in Chromium & served by Hypercorn.")
    page.get_by_role("button", name="Publish").click()
    expect(page).to_have_url(re.compile(r"/posts/1$"))
    expect(page.locator(".flash.info")).to_have_text("Published “Hello <browser>”.")
    expect(page.locator("h1")).to_have_text("Hello <browser>")  # as text, not markup
    expect(page.get_by_text("Written in Chromium & served by Hypercorn.")).to_be_visible()

    page.get_by_role("link", name="Quart blog").click()
    expect(page.get_by_role("link", name="Hello <browser>")).to_be_visible()
    expect(page.locator(".flashes")).to_have_count(0)  # a flash shows once only


def test_wrong_password_is_refused(open_page: Callable[[], Page]) -> None:
    page = open_page()
    page.goto("/auth/login")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("looking-glass")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash.error")).to_have_text("Invalid username or password.")
    expect(page.get_by_label("Username")).to_have_value("alice")
    expect(page.get_by_role("link", name="New post")).to_have_count(0)
