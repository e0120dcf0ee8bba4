from manage import app


def test_seed():
    result = app.test_cli_runner().invoke(args=["seed", "3"])
    assert result.output == "seeding 3\n"


def test_init_db_runs_in_the_app_context():
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert result.output == "created tables for manage\n"


def test_blueprint_group():
    result = app.test_cli_runner().invoke(args=["users", "add", "ada"])
    assert result.output == "added ada\n"
