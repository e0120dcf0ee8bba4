import pytest
from examples.blog.app import create_app
from werkzeug.security import generate_password_hash

# A cheap hash keeps the tests fast; the app's default (scrypt) is deliberately slow.
USERS = {"alice": generate_password_hash("wonderland", method="pbkdf2:sha256:1000")}


@pytest.fixture
def app(tmp_path):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE": str(tmp_path / "blog.sqlite"),
            "USERS": USERS,
        }
    )


@pytest.fixture
def client(test_app):
    return test_app.test_client()


async def test_writing_needs_a_login(client):
    response = await client.get("/create")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


async def test_login_then_post(client):
    login = {"username": "alice", "password": "wonderland"}
    response = await client.post("/auth/login", form=login)
    assert response.status_code == 302
    response = await client.post("/create", form={"title": "Hello <b>", "body": "First!"})
    assert response.status_code == 302
    page = await (await client.get("/")).get_data(as_text=True)
    assert "Hello &lt;b&gt;" in page  # escaped: shown as text


def test_init_db_command(runner):
    result = runner.invoke(args=["init-db", "--reset"])
    assert result.output == "Reset the database.\n"
