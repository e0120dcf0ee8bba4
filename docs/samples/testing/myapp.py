import click
from quart import Quart, current_app, request, websocket


def create_app(config=None):
    app = Quart(__name__)
    app.config.from_mapping(SECRET_KEY="dev", DATABASE=":memory:")
    app.config.from_mapping(config or {})

    @app.before_serving
    async def open_database():
        app.extensions["posts"] = ["First post"]

    @app.get("/")
    async def index():
        return "Home"

    @app.get("/posts")
    async def posts():
        return {"posts": current_app.extensions["posts"]}

    @app.post("/upload")
    async def upload():
        data = await request.get_data()
        return {"size": len(data)}

    @app.websocket("/ws")
    async def echo():
        while True:
            await websocket.send(await websocket.receive())

    @app.cli.command("init-db")
    def init_db():
        click.echo("Initialised the database.")

    return app
