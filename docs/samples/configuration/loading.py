import tomllib

from quart import Quart


class Production:
    DATABASE = "postgresql://db.internal/shop"
    MAX_CONTENT_LENGTH = 1024 * 1024  # 1 MiB is plenty for this app
    not_loaded = "lowercase names are ignored"


def create_app(instance_path):
    app = Quart(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config["SECRET_KEY"] = "change me"  # one key
    app.config.from_object(Production)  # or "myapp.settings.Production": UPPERCASE names only
    app.config.from_pyfile("application.cfg", silent=True)  # in instance/; silent: may be missing
    app.config.from_file("config.toml", load=tomllib.load, text=False)  # in instance/ too
    app.config.from_prefixed_env()  # QUART_SECRET_KEY=..., QUART_DB__HOST=...
    return app
