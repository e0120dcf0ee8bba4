"""A small blog: Jinja templates, sessions, flashed messages and SQLite.

Run it with::

    QUART_APP=examples.blog.app:app .venv/bin/quart init-db   # optional: (re)create the tables
    QUART_APP=examples.blog.app:app .venv/bin/quart run

and log in at http://127.0.0.1:5000/auth/login as ``admin`` with the password
``admin`` (or the one in the ``BLOG_ADMIN_PASSWORD`` environment variable)
to write posts. Set ``BLOG_SECRET_KEY`` to something secret outside
development. The posts are kept in ``blog.sqlite`` next to this file, or at
the path in ``BLOG_DATABASE``; the tables are created when the server starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from werkzeug.security import generate_password_hash

from quart import abort
from quart import current_app
from quart import flash
from quart import g
from quart import Quart
from quart import redirect
from quart import render_template
from quart import request
from quart import ResponseReturnValue
from quart import url_for
from quart.utils import run_sync

from . import db
from .auth import bp as auth_bp
from .auth import login_required

HERE = Path(__file__).resolve().parent


def create_app(test_config: Mapping[str, Any] | None = None) -> Quart:
    """Build the blog app; ``test_config`` overrides the default settings."""
    app = Quart(__name__)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("BLOG_SECRET_KEY", "dev"),
        DATABASE=os.environ.get("BLOG_DATABASE", str(HERE / "blog.sqlite")),
    )
    if test_config is not None:
        app.config.from_mapping(test_config)
    if "USERS" not in app.config:
        password = os.environ.get("BLOG_ADMIN_PASSWORD", "admin")
        app.config["USERS"] = {"admin": generate_password_hash(password)}

    app.register_blueprint(auth_bp)

    @app.before_serving
    async def create_tables() -> None:
        await run_sync(db.init_db)(app.config["DATABASE"])

    @app.cli.command("init-db")
    @click.option("--reset", is_flag=True, help="Delete every post first.")
    def init_db_command(reset: bool) -> None:
        """Create the blog's tables (with --reset: empty them)."""
        db.init_db(app.config["DATABASE"], reset=reset)
        click.echo("Reset the database." if reset else "Initialised the database.")

    app.add_url_rule("/", view_func=index)
    app.add_url_rule("/posts/<int:post_id>", view_func=show_post)
    app.add_url_rule("/create", view_func=create_post, methods=["GET", "POST"])
    return app


async def index() -> str:
    """The front page: every post, newest first."""
    posts = await run_sync(db.list_posts)(current_app.config["DATABASE"])
    return await render_template("index.html", posts=posts)


async def show_post(post_id: int) -> str:
    """One post on its own page."""
    post = await run_sync(db.get_post)(current_app.config["DATABASE"], post_id)
    if post is None:
        abort(404)
    return await render_template("post.html", post=post)


@login_required
async def create_post() -> ResponseReturnValue:
    """The form to write a post, and publishing it."""
    if request.method == "GET":
        return await render_template("create.html", title="", body="")
    form = await request.form
    title = form.get("title", "").strip()
    body = form.get("body", "").strip()
    if not title or not body:
        await flash("A post needs a title and some text.", "error")
        return await render_template("create.html", title=title, body=body), 400
    post_id = await run_sync(db.add_post)(current_app.config["DATABASE"], g.user, title, body)
    await flash(f"Published “{title}”.", "info")
    return redirect(url_for("show_post", post_id=post_id))


app = create_app()


if __name__ == "__main__":
    app.run()
