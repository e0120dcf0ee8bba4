"""The blog's login and logout pages, as a blueprint.

The users and their password hashes come from ``app.config["USERS"]``
(``{"name": werkzeug.security.generate_password_hash("password")}``).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable
from collections.abc import Callable
from typing import ParamSpec
from typing import TypeVar

from werkzeug.security import check_password_hash

from quart import Blueprint
from quart import current_app
from quart import flash
from quart import g
from quart import redirect
from quart import render_template
from quart import request
from quart import ResponseReturnValue
from quart import session
from quart import url_for
from quart.utils import run_sync

P = ParamSpec("P")
R = TypeVar("R")

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.before_app_request
async def load_user() -> None:
    """Make the logged-in user's name (or ``None``) available as ``g.user``."""
    g.user = session.get("user")


def login_required(
    view: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[R | ResponseReturnValue]]:
    """Send visitors who are not logged in to the login page, then back."""

    @functools.wraps(view)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
        if g.user is None:
            await flash("Please log in first.", "error")
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return await view(*args, **kwargs)

    return wrapper


def _safe_next(target: str | None) -> str:
    """Only redirect to a path on this site (no open redirects)."""
    # "//host" and "/\\host" are other sites to a browser.
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("index")


def _check_password(username: str, password: str) -> bool:
    users: dict[str, str] = current_app.config["USERS"]
    stored = users.get(username)
    return stored is not None and check_password_hash(stored, password)


@bp.route("/login", methods=["GET", "POST"])
async def login() -> ResponseReturnValue:
    """Show the login form, or log in with the posted credentials."""
    if request.method == "POST":
        form = await request.form
        username = form.get("username", "").strip()
        password = form.get("password", "")
        # Password hashing is deliberately slow: keep it off the event loop.
        if await run_sync(_check_password)(username, password):
            session.clear()
            session["user"] = username
            await flash(f"Welcome back, {username}!", "info")
            return redirect(_safe_next(request.args.get("next")))
        await flash("Invalid username or password.", "error")
        return await render_template("login.html", username=username), 401
    return await render_template("login.html", username="")


@bp.post("/logout")
async def logout() -> ResponseReturnValue:
    """Log out and go back to the front page."""
    session.pop("user", None)
    await flash("You have been logged out.", "info")
    return redirect(url_for("index"))
