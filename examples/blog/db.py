"""The blog's SQLite storage: plain blocking sqlite3 functions.

Each function opens its own connection, so it can run in any worker thread;
the views call them with ``await run_sync(function)(...)`` so the event loop
never waits on the disk.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS post (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    author TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
"""


@dataclass(frozen=True)
class Post:
    """One blog post."""

    id: int
    author: str
    title: str
    body: str
    created: str


@contextmanager
def connect(path: str | Path) -> Iterator[sqlite3.Connection]:
    """A connection to the database at ``path``, committed on success."""
    with closing(sqlite3.connect(path)) as connection, connection:
        yield connection


def init_db(path: str | Path, *, reset: bool = False) -> None:
    """Create the tables if they are missing (``reset``: drop all posts first)."""
    with connect(path) as connection:
        if reset:
            connection.execute("DROP TABLE IF EXISTS post")
        connection.executescript(SCHEMA)


def list_posts(path: str | Path) -> list[Post]:
    """All posts, newest first."""
    with connect(path) as connection:
        rows = connection.execute(
            "SELECT id, author, title, body, created FROM post ORDER BY id DESC"
        ).fetchall()
    return [Post(*row) for row in rows]


def get_post(path: str | Path, post_id: int) -> Post | None:
    """The post with ``post_id``, or ``None``."""
    with connect(path) as connection:
        row = connection.execute(
            "SELECT id, author, title, body, created FROM post WHERE id = ?", (post_id,)
        ).fetchone()
    return None if row is None else Post(*row)


def add_post(path: str | Path, author: str, title: str, body: str) -> int:
    """Store a post and return its id."""
    with connect(path) as connection:
        cursor = connection.execute(
            "INSERT INTO post (author, title, body) VALUES (?, ?, ?)", (author, title, body)
        )
    assert cursor.lastrowid is not None
    return cursor.lastrowid
