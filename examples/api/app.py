"""A JSON API for todos, validated and documented with quart-schema.

Run it with::

    QUART_APP=examples.api.app:app .venv/bin/quart run

then try::

    curl -X POST -H 'Content-Type: application/json' -d '{"title": "Buy milk"}' \\
        http://127.0.0.1:5000/todos
    curl http://127.0.0.1:5000/todos
    curl http://127.0.0.1:5000/openapi.json

The interactive documentation is at http://127.0.0.1:5000/docs. The todos
live in memory, so they are gone when the server stops.
"""

from __future__ import annotations

import itertools

from pydantic import BaseModel
from pydantic import Field
from quart_schema import QuartSchema
from quart_schema import RequestSchemaValidationError
from quart_schema import validate_request
from quart_schema import validate_response
from werkzeug.exceptions import HTTPException

from quart import Blueprint
from quart import current_app
from quart import Quart
from quart import url_for

Header = tuple[str, str]


class TodoIn(BaseModel):
    """What a client sends to create a todo."""

    title: str = Field(min_length=1, max_length=200)
    done: bool = False


class Todo(TodoIn):
    """A stored todo."""

    id: int


class TodoList(BaseModel):
    """All the todos, oldest first."""

    todos: list[Todo]


class Error(BaseModel):
    """An error answer."""

    error: str


class TodoStore:
    """The todos of one app, kept in memory."""

    def __init__(self) -> None:
        self._todos: dict[int, Todo] = {}
        self._ids = itertools.count(1)

    def all(self) -> list[Todo]:
        """Every todo, in the order they were created."""
        return list(self._todos.values())

    def add(self, data: TodoIn) -> Todo:
        """Store a new todo and return it with its id."""
        todo = Todo(id=next(self._ids), **data.model_dump())
        self._todos[todo.id] = todo
        return todo

    def get(self, todo_id: int) -> Todo | None:
        """The todo with ``todo_id``, or ``None``."""
        return self._todos.get(todo_id)

    def remove(self, todo_id: int) -> bool:
        """Delete a todo; whether it existed."""
        return self._todos.pop(todo_id, None) is not None


def get_store() -> TodoStore:
    """The current app's todo store."""
    store: TodoStore = current_app.extensions["todos"]
    return store


bp = Blueprint("todos", __name__, url_prefix="/todos")


@bp.get("")
@validate_response(TodoList)
async def list_todos() -> TodoList:
    """List every todo."""
    return TodoList(todos=get_store().all())


@bp.post("")
@validate_request(TodoIn)
@validate_response(Todo, 201)
async def create_todo(data: TodoIn) -> tuple[Todo, int, dict[str, str]]:
    """Create a todo."""
    todo = get_store().add(data)
    return todo, 201, {"Location": url_for("todos.get_todo", todo_id=todo.id)}


@bp.get("/<int:todo_id>")
@validate_response(Todo)
@validate_response(Error, 404)
async def get_todo(todo_id: int) -> Todo | tuple[Error, int]:
    """Get one todo."""
    todo = get_store().get(todo_id)
    if todo is None:
        return Error(error=f"todo {todo_id} not found"), 404
    return todo


@bp.delete("/<int:todo_id>")
@validate_response(Error, 404)
async def delete_todo(todo_id: int) -> tuple[str, int] | tuple[Error, int]:
    """Delete a todo: 204 No Content, or 404 if there is no such todo."""
    if not get_store().remove(todo_id):
        return Error(error=f"todo {todo_id} not found"), 404
    return "", 204


def create_app() -> Quart:
    """Build the app, with an empty todo store of its own."""
    app = Quart(__name__)
    QuartSchema(app, info={"title": "Todos API", "version": "1.0.0"})
    app.extensions["todos"] = TodoStore()
    app.register_blueprint(bp)

    @app.errorhandler(RequestSchemaValidationError)
    async def invalid_todo(error: RequestSchemaValidationError) -> tuple[dict[str, str], int]:
        return {"error": str(error.validation_error)}, 400

    @app.errorhandler(HTTPException)
    async def http_error(error: HTTPException) -> tuple[dict[str, str | None], int, list[Header]]:
        # Unknown URLs, wrong methods, malformed JSON...: JSON too, keeping
        # the error's own headers (such as a 405's Allow) but not its HTML type.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return {"error": error.description}, error.code or 500, headers

    return app


app = create_app()


if __name__ == "__main__":
    app.run()
