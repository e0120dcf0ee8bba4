from loading import create_app


def test_every_loader(tmp_path, monkeypatch):
    (tmp_path / "config.toml").write_text('GREETING = "hello"\n')
    monkeypatch.setenv("QUART_TESTING", "true")
    monkeypatch.setenv("QUART_DB__HOST", "db.internal")
    app = create_app(str(tmp_path))
    assert app.config["DATABASE"] == "postgresql://db.internal/shop"
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    assert "not_loaded" not in app.config
    assert app.config["GREETING"] == "hello"
    assert app.config["TESTING"] is True  # decoded as JSON
    assert app.config["DB"] == {"HOST": "db.internal"}  # __ nests
    assert app.config.get_namespace("SESSION_COOKIE_")["name"] == "session"
