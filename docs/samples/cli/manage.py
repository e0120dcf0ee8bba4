import click
from quart import Blueprint, Quart, current_app

app = Quart(__name__)
app.config["SEEDED"] = []


@app.cli.command("seed")
@click.argument("count", type=int)
def seed(count):  # a plain command: no app context
    click.echo(f"seeding {count}")


@app.cli.command("init-db", with_appcontext=True)
async def init_db():  # async commands run on an event loop
    current_app.config["SEEDED"].append("tables")
    click.echo(f"created tables for {current_app.name}")


users = Blueprint("users", __name__)  # its commands: `quart users ...`


@users.cli.command("add")
@click.argument("name")
def add_user(name):
    click.echo(f"added {name}")


app.register_blueprint(users)  # cli_group=None would put them at the top level


@app.shell_context_processor
def shell_names():
    return {"seeded": app.config["SEEDED"]}
