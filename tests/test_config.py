from __future__ import annotations

import json
import os
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from werkzeug.datastructures import ImmutableDict

from quart import Config
from quart import Quart
from quart import request
from quart.config import ConfigAttribute


class Base:
    SECRET_KEY = "base"
    DEBUG = False
    lowercase_ignored = True


class Production(Base):
    DATABASE = "postgres://prod"


def test_from_object_class_and_import_string() -> None:
    config = Config("/")
    config.from_object(Production)
    assert config["SECRET_KEY"] == "base"
    assert config["DATABASE"] == "postgres://prod"
    assert "lowercase_ignored" not in config

    config = Config("/")
    config.from_object(f"{__name__}.Production")
    assert config["DATABASE"] == "postgres://prod"


def test_from_pyfile(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text("SECRET_KEY = 'from file'\nvalue = 1\n")
    config = Config(str(tmp_path))
    assert config.from_pyfile("settings.py") is True
    assert config["SECRET_KEY"] == "from file"
    assert "value" not in config
    assert config.from_pyfile("missing.py", silent=True) is False
    with pytest.raises(FileNotFoundError, match="Unable to load configuration file"):
        config.from_pyfile("missing.py")


def test_from_file_json_and_toml(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"SECRET_KEY": "json", "x": 1}))
    (tmp_path / "config.toml").write_text('SECRET_KEY = "toml"\n')
    config = Config(str(tmp_path))
    assert config.from_file("config.json", load=json.load)
    assert config["SECRET_KEY"] == "json"
    assert "x" not in config
    assert config.from_file("config.toml", load=tomllib.load, text=False)
    assert config["SECRET_KEY"] == "toml"
    assert config.from_file("nope.json", load=json.load, silent=True) is False


def test_from_envvar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "env_settings.py").write_text("SECRET_KEY = 'from env file'\n")
    monkeypatch.setenv("MY_APP_SETTINGS", str(tmp_path / "env_settings.py"))
    config = Config(str(tmp_path))
    assert config.from_envvar("MY_APP_SETTINGS")
    assert config["SECRET_KEY"] == "from env file"
    monkeypatch.delenv("MY_APP_SETTINGS")
    assert config.from_envvar("MY_APP_SETTINGS", silent=True) is False
    with pytest.raises(RuntimeError, match="MY_APP_SETTINGS"):
        config.from_envvar("MY_APP_SETTINGS")


def test_from_mapping_and_get_namespace() -> None:
    config = Config("/")
    config.from_mapping({"IMAGE_STORE_TYPE": "fs", "IMAGE_STORE_PATH": "/var"}, lower="no")
    assert config["IMAGE_STORE_TYPE"] == "fs"
    assert "lower" not in config
    assert config.get_namespace("IMAGE_STORE_") == {"type": "fs", "path": "/var"}
    assert config.get_namespace("IMAGE_STORE_", lowercase=False, trim_namespace=False) == {
        "IMAGE_STORE_TYPE": "fs",
        "IMAGE_STORE_PATH": "/var",
    }


def test_from_prefixed_env_defaults_to_quart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUART_TESTING", "true")
    monkeypatch.setenv("QUART_SECRET_KEY", "not json")
    monkeypatch.setenv("QUART_MAX", "10")
    monkeypatch.setenv("QUART_DB__HOST", '"db.local"')
    monkeypatch.setenv("FLASK_IGNORED", "1")
    config = Config("/", {"DB": {"PORT": 5432}})
    assert config.from_prefixed_env() is True
    assert config["TESTING"] is True
    assert config["SECRET_KEY"] == "not json"
    assert config["MAX"] == 10
    assert config["DB"] == {"PORT": 5432, "HOST": "db.local"}
    assert "IGNORED" not in config


def test_from_prefixed_env_custom_prefix_and_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYAPP_NAME", "42")
    config = Config("/")
    config.from_prefixed_env("MYAPP", loads=str)
    assert config["NAME"] == "42"


def test_app_config_is_quart_config_with_quart_defaults() -> None:
    app = Quart(__name__)
    assert isinstance(app.config, Config)
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024
    assert app.config["SEND_FILE_MAX_AGE_DEFAULT"] == timedelta(hours=12)
    assert app.config["BODY_TIMEOUT"] == 60
    assert app.config["RESPONSE_TIMEOUT"] == 60
    assert app.config["SESSION_COOKIE_PARTITIONED"] is False
    assert app.config["PROVIDE_AUTOMATIC_OPTIONS"] is True
    assert app.config["TRUSTED_HOSTS"] is None


def test_config_attributes_map_to_keys() -> None:
    app = Quart(__name__)
    app.secret_key = "s"
    assert app.config["SECRET_KEY"] == "s"
    app.config["PERMANENT_SESSION_LIFETIME"] = 60
    assert app.permanent_session_lifetime == timedelta(seconds=60)
    app.testing = True
    assert app.config["TESTING"] is True
    assert isinstance(Quart.secret_key, ConfigAttribute)


def test_custom_config_class() -> None:
    class MyConfig(Config):
        pass

    class MyQuart(Quart):
        config_class = MyConfig

    assert isinstance(MyQuart(__name__).config, MyConfig)


def test_debug_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUART_DEBUG", "1")
    assert Quart(__name__).debug is True
    monkeypatch.setenv("QUART_DEBUG", "false")
    assert Quart(__name__).debug is False


# -- instance folder ------------------------------------------------------------


def test_default_instance_path_is_beside_the_app(tmp_path: Path) -> None:
    app = Quart(__name__, root_path=str(tmp_path))
    # For a module that is not installed, the instance folder sits next to it.
    assert app.instance_path == os.path.join(os.path.dirname(__file__), "instance")


def test_instance_path_must_be_absolute() -> None:
    with pytest.raises(ValueError, match="absolute"):
        Quart(__name__, instance_path="relative/instance")


def test_instance_relative_config(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "application.cfg").write_text("SECRET_KEY = 'instance secret'\n")
    app = Quart(
        __name__,
        root_path=str(tmp_path),
        instance_path=str(instance),
        instance_relative_config=True,
    )
    assert app.config.root_path == str(instance)
    app.config.from_pyfile("application.cfg")
    assert app.secret_key == "instance secret"

    plain = Quart(__name__, root_path=str(tmp_path), instance_path=str(instance))
    assert plain.config.root_path == str(tmp_path)


async def test_open_instance_resource(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("instance data")
    app = Quart(__name__, instance_path=str(tmp_path))
    async with await app.open_instance_resource("data.txt") as file:
        assert await file.read() == b"instance data"


# -- TRUSTED_HOSTS ----------------------------------------------------------------


@pytest.fixture
def hosts_app() -> Quart:
    app = Quart(__name__)
    app.config["TRUSTED_HOSTS"] = ["good.example", ".trusted.example"]

    @app.route("/")
    async def index() -> str:
        return request.host

    return app


@pytest.mark.parametrize(
    "host", ["good.example", "good.example:8080", "trusted.example", "a.trusted.example"]
)
async def test_trusted_hosts_are_served(hosts_app: Quart, host: str) -> None:
    response = await hosts_app.test_client().get("/", headers={"Host": host})
    assert response.status_code == 200
    assert await response.get_data(as_text=True) == host


@pytest.mark.parametrize("host", ["evil.example", "good.example.evil", "notgood.example"])
async def test_untrusted_host_is_a_400(hosts_app: Quart, host: str) -> None:
    response = await hosts_app.test_client().get("/", headers={"Host": host})
    assert response.status_code == 400


async def test_untrusted_host_over_raw_asgi(
    hosts_app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    response = await asgi_call(hosts_app, http_scope("/", host=b"evil.example"))
    assert response.status == 400
    response = await asgi_call(hosts_app, http_scope("/", host=b"good.example"))
    assert response.status == 200


async def test_untrusted_host_goes_through_400_handler(hosts_app: Quart) -> None:
    @hosts_app.errorhandler(400)
    async def bad_request(error: Exception) -> tuple[str, int]:
        return "untrusted host", 400

    response = await hosts_app.test_client().get("/", headers={"Host": "evil.example"})
    assert await response.get_data(as_text=True) == "untrusted host"


async def test_no_trusted_hosts_serves_any_host(app: Quart) -> None:
    @app.route("/")
    async def index() -> str:
        return "ok"

    response = await app.test_client().get("/", headers={"Host": "anything.example"})
    assert response.status_code == 200


def test_flasks_defaults_are_all_there_with_flasks_values() -> None:
    # DEFAULT_CONFIG writes Flask's defaults out (reading them would import
    # Flask's WSGI app with quart): they must stay the installed Flask's.
    from flask.app import Flask

    from quart.config import DEFAULT_CONFIG

    quarts_own = {"MAX_CONTENT_LENGTH", "SEND_FILE_MAX_AGE_DEFAULT"}
    flasks = {key: value for key, value in Flask.default_config.items() if key not in quarts_own}
    assert {key: DEFAULT_CONFIG[key] for key in flasks if key in DEFAULT_CONFIG} == flasks
    assert quarts_own <= set(DEFAULT_CONFIG)


def test_a_key_only_a_newer_flask_has_reads_as_flasks_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Flask's sans-IO core may read a key its newer release added (#371).
    from flask.app import Flask

    newer = ImmutableDict({**Flask.default_config, "NEWER_FLASK_KEY": 42})
    monkeypatch.setattr(Flask, "default_config", newer)
    app = Quart(__name__)
    assert app.config["NEWER_FLASK_KEY"] == 42
    assert "NEWER_FLASK_KEY" not in app.config  # A default, not a setting.
    app.config["NEWER_FLASK_KEY"] = 7
    assert app.config["NEWER_FLASK_KEY"] == 7
    with pytest.raises(KeyError):
        app.config["NOT_A_KEY_ANYWHERE"]
    with pytest.raises(KeyError):
        app.config["lower"]
